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


def test_cells_without_a_cell_type_are_grey_and_named_so_not_a_type_called_nan(tmp_path):
    """Cells whose cell type is missing (NaN, as anndata reads an unlabelled query) were drawn as a cell type of
    their own named 'nan', in a palette colour like any other type."""
    import pandas as pd
    from matplotlib.figure import Figure

    from jae.report.figures import _NO_LABEL, _NO_LABEL_COLOUR, _scatter

    xy, types, _ = _cite_like_labels(n=400)
    labels = pd.Series(pd.Categorical(types[:400]))
    labels[:50] = np.nan
    labels = labels.astype(object)
    labels[50:60] = None
    ax = Figure().subplots()
    _scatter(ax, xy, labels, "cell type", np.random.default_rng(0))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "nan" not in texts and "None" not in texts and texts[-1] == _NO_LABEL
    assert len(texts) == len(pd.unique(types[60:400])) + 1
    colours = [tuple(h.get_facecolor()[0]) for h in ax.get_legend().legend_handles]
    assert colours[-1] == _NO_LABEL_COLOUR and _NO_LABEL_COLOUR not in colours[:-1]
    assert all(np.ptp(c[:3]) > 0.05 for c in colours[:-1])  # no other type in grey
    drawn = ax.collections[0].get_facecolors()
    assert (np.all(drawn[:60] == _NO_LABEL_COLOUR, axis=1)).all()  # the 60 unlabelled cells drawn first, beneath


def test_write_report_keeps_missing_cell_types_missing(tmp_path, monkeypatch):
    """write_report turned NaN cell types into the text 'nan' before the figures saw them."""
    import pandas as pd

    import jae.report as report
    from jae.report import write_report

    seen = {}
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    real = report.plot_umaps

    def spy(coords, cell_type, batch, path, **kw):
        seen["cell_type"] = cell_type
        return real(coords, cell_type, batch, path, **kw)

    monkeypatch.setattr(report, "plot_umaps", spy)
    xy, types, batch = _cite_like_labels(n=100)
    types = types.astype(object)
    types[:5] = np.nan
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    write_report(table, {"e": xy}, tmp_path / "rep", cell_type=types, batch=batch, progress_bar=False)
    assert pd.isna(seen["cell_type"][:5]).all() and not pd.isna(seen["cell_type"][5:]).any()


def test_two_batches_or_a_few_cell_types_get_different_hues():
    """The UMAP coloured 2 batches dark blue and light blue (tab20's pairs, in order), and 4 cell types as two
    blues and two oranges: on a mixing plot of small points the two batches could hardly be told apart."""
    import matplotlib

    tab10 = [tuple(c) for c in matplotlib.colormaps["tab10"].colors]
    assert [tuple(c) for c in _palette(10)] == tab10  # ten different hues, as scanpy's first ten
    assert len({tuple(c) for c in _palette(20)}) == 20
    assert [tuple(c) for c in _palette(20)[10:]] == [tuple(c) for c in matplotlib.colormaps["tab20"].colors[1::2]]


def test_names_with_dollar_signs_are_drawn_as_typed(tmp_path):
    """A cell type or embedding name holding a '$' pair was read as a TeX formula: 'cost $5 vs $6' drawn as
    'cost 5vs6' in italics, and 'a$^^$b' failed the whole report with matplotlib's ParseSyntaxException after
    every metric was computed."""
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    from jae.report import COLUMNS
    from jae.report.figures import _scatter, plot_metric_bars, plot_umaps

    xy = np.random.default_rng(0).normal(size=(60, 2))
    types = np.array(["a$^^$b", "cost $5 vs $6", "CD4$^+$"] * 20)
    plot_umaps(xy, types, types[::-1], tmp_path / "u.png", title="scvi $^^$ run")
    table = pd.DataFrame(np.full((2, len(COLUMNS)), 0.5), index=["a$^^$b", "scvi"], columns=list(COLUMNS))
    assert imread(plot_metric_bars(table, tmp_path / "b.png")).ndim == 3
    ax = Figure().subplots()
    _scatter(ax, xy, types, "cell type", np.random.default_rng(0))
    assert all(not t.get_parse_math() for t in ax.get_legend().get_texts())


def test_long_names_alike_up_to_the_cut_stay_apart_in_legends_and_titles(tmp_path, monkeypatch):
    """Two embeddings (or cell types) whose long names differ only after the cut (a benchmark's parameter strings)
    got the same legend entry in the bar chart and the same UMAP title, so their bars could not be told apart."""
    import pandas as pd
    from matplotlib.figure import Figure

    import jae.report as report
    from jae.report.figures import _scatter, _shorts

    long_a, long_b = "scvi_" + "n_latent=30,gene_likelihood=nb," * 10, "scvi_" + "n_latent=30,gene_likelihood=nb," * 11
    for limit in (40, 60, 80):
        labels = _shorts([long_a, long_b, "short"], limit)
        assert len(set(labels)) == 3 and all(len(t) <= limit for t in labels) and labels[2] == "short", labels
    middle = _shorts(["a" * 50 + "1" + "b" * 50, "a" * 50 + "2" + "b" * 50], 60)  # alike at both ends: numbered
    assert len(set(middle)) == 2 and all(len(t) <= 60 for t in middle), middle
    ax = Figure().subplots()
    types = np.array(["memory B cell, " * 5 + "IgM+", "memory B cell, " * 5 + "IgG+"] * 10)
    _scatter(ax, np.zeros((20, 2)), types, "cell type", np.random.default_rng(0))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(set(texts)) == 2 and texts[0].endswith("IgG+") and texts[1].endswith("IgM+")
    titles = []
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    monkeypatch.setattr(report, "plot_umaps", lambda *a, title, **kw: titles.append(title))
    monkeypatch.setattr(report, "plot_metric_bars", lambda *a, **kw: None)
    E = np.random.default_rng(0).normal(size=(20, 3))
    table = pd.DataFrame({"nmi": [0.5, 0.4], "overall": [0.5, 0.4]}, index=[long_a, long_b])
    report.write_report(table, {long_a: E, long_b: E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    assert len({t.split(" (")[0] for t in titles}) == 2, titles


def test_the_legend_of_200_clusters_is_whole_and_leaves_the_plot_its_height(tmp_path):
    """With more than ~100 cell types (fine clusters) the 3-column legend ran off the figure's foot (cluster 96 to
    199 not shown), squashed the plot to a strip and matplotlib warned 'constrained_layout not applied'."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from jae.report.figures import _umap_figure, plot_umaps

    rng = np.random.default_rng(0)
    types = np.array([f"cluster {i}" for i in range(200)])[rng.permutation(np.arange(1000) % 200)]
    xy = rng.normal(size=(1000, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_umaps(xy, types, None, tmp_path / "u.png", title="200")
    assert not [str(w.message) for w in caught]
    fig = _umap_figure(xy, [("cell type", types)], "200", np.random.default_rng(0))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.get_axes()[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= fig.bbox.y0 and legend.x1 <= fig.bbox.x1 + 1, (legend, fig.bbox)
    assert ax.get_window_extent(renderer).height > 0.6 * fig.bbox.height


def test_numbered_clusters_are_listed_in_number_order():
    """Leiden clusters '0'..'12' (or 'CD4 T' / 'CD14 Mono') were listed as text: 0, 1, 10, 11, 12, 2, ... so a
    reader looked for cluster 2 after cluster 12."""
    from matplotlib.figure import Figure

    from jae.report.figures import _scatter

    labels = np.array([str(i) for i in range(13)] * 3 + ["CD14 Mono", "CD4 T", "cluster 10", "cluster 9"])
    ax = Figure().subplots()
    _scatter(ax, np.zeros((len(labels), 2)), labels, "cell type", np.random.default_rng(0))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [str(i) for i in range(13)] + ["CD4 T", "CD14 Mono", "cluster 9", "cluster 10"]


def test_beyond_79_types_neighbouring_legend_entries_get_unlike_colours():
    """Past the 79 qualitative colours the palette became an hsv ramp: with 200 clusters each one's neighbours in
    the legend (and the first and the last) were drawn in nearly the same colour."""
    for n in (80, 200):
        rgb = np.array([c[:3] for c in _palette(n, greys=False)])
        assert len({tuple(np.round(c, 6)) for c in rgb}) == n
        steps = np.sqrt(((rgb[1:] - rgb[:-1]) ** 2).sum(axis=1))
        assert steps.min() > 0.3 and np.sqrt(((rgb[0] - rgb[-1]) ** 2).sum()) > 0.3, (n, steps.min())
        assert np.ptp(rgb, axis=1).min() > 0.05  # none grey: grey is the unlabelled cells'


def test_a_long_title_is_not_cut_at_the_figures_sides(tmp_path):
    """Without batches (one panel) an 80-character embedding name's title ran past both sides of the figure, so its
    score ('overall 0.500') and the subset note could not be read."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from jae.report.figures import _umap_figure

    xy = np.random.default_rng(0).normal(size=(50, 2))
    title = ("scvi_n_latent=30,gene_likelihood=nb,dispersion=gene-batch,n_layers=2 (30 dims, overall 0.500)\n"
             "UMAP of a random 50,000 of 90,261 cells, seed 0")
    fig = _umap_figure(xy, [("cell type", np.array(list("ab") * 25))], title, np.random.default_rng(0))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    from matplotlib.text import Text

    (heading,) = fig.findobj(lambda o: isinstance(o, Text) and o.get_text() == title)
    box = heading.get_window_extent(renderer)
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (box, fig.bbox)
