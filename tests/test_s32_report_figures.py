"""Report figures with many cell types, long names and missing labels (session 32)."""

from __future__ import annotations

import numpy as np

from jae.report.figures import _palette


def test_seventy_cell_types_get_seventy_different_colours():
    """With 69 to 81 cell types two types (e.g. the 60th and 69th) were drawn in the same grey, and two others in
    the same green: the palette joined colour maps that share colours."""
    for n in (45, 69, 75, 79):
        colours = _palette(n)
        assert len(colours) == n and len({tuple(np.round(c[:3], 6)) for c in colours}) == n, n
    assert _palette(45) == _palette(79)[:45]


def _cite_like_labels(n=900, seed=0):
    rng = np.random.default_rng(seed)
    types = np.array([f"CD{i}+ {'activated memory cytotoxic T cell, long annotation ' if i % 5 == 0 else ''}{i}"
                      for i in range(45)])
    batches = np.array([f"s{i}d{i % 4}" for i in range(13)])
    return rng.normal(size=(n, 2)), types[rng.integers(0, 45, n)], batches[rng.integers(0, 13, n)]


def test_the_legend_of_45_long_cell_type_names_fits_beside_its_plot(tmp_path):
    """With the CITE data's 45 cell types (some with long names) the 3-column legend ran over the batch panel (and
    off the figure without batches), and matplotlib warned 'Tight layout not applied'."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from jae.report.figures import plot_umaps

    xy, types, batch = _cite_like_labels()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_umaps(xy, types, batch, tmp_path / "u.png", title="CITE")
        plot_umaps(xy, types, None, tmp_path / "one.png", title="CITE")
    assert not [str(w.message) for w in caught]
    from jae.report.figures import _umap_figure

    for panels in ([("cell type", types), ("batch", batch)], [("cell type", types)]):
        fig = _umap_figure(xy, panels, "CITE", np.random.default_rng(0))
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        axes = fig.get_axes()
        page = fig.bbox
        for i, ax in enumerate(axes):
            legend = ax.get_legend().get_window_extent(renderer)
            assert page.x0 <= legend.x0 and legend.x1 <= page.x1 + 1 and legend.y0 >= page.y0, (i, legend, page)
            assert not legend.overlaps(ax.get_window_extent(renderer))
            for other in axes[i + 1:]:
                assert legend.x1 < other.get_tightbbox(renderer).x0  # beside, not over, the next panel
        texts = [t.get_text() for t in axes[0].get_legend().get_texts()]
        assert len(texts) == 45 and max(map(len, texts)) <= 40
