"""The public jae.report writers refuse to replace an existing file unless overwrite=True (session 34, report audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae.report as report
from jae.report import plot_metric_bars, plot_umaps, write_index, write_table


def _table():
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    table.attrs["averaged"] = {"e": ["nmi"]}
    return table


def _writers(tmp_path):
    xy = np.random.default_rng(0).normal(size=(20, 2))
    types = np.repeat(list("ab"), 10)
    return {
        "u.png": lambda **kw: plot_umaps(xy, types, None, tmp_path / "u.png", title="e", **kw),
        "b.png": lambda **kw: plot_metric_bars(_table(), tmp_path / "b.png", **kw),
        "index.html": lambda **kw: write_index(tmp_path, _table(), bar_chart="b.png", umaps={"e": "u.png"},
                                               title="t", **kw),
        "metrics.md": lambda **kw: write_table(_table(), tmp_path, **kw),
    }


@pytest.mark.parametrize("name", ["u.png", "b.png", "index.html", "metrics.md"])
def test_report_writers_refuse_an_existing_file_without_overwrite(tmp_path, name):
    """plot_umaps, plot_metric_bars, write_index and write_table replaced a user's file of that name silently (they
    had no overwrite argument); they now refuse in one line naming the file and overwrite=True, the file kept, and
    replace it with overwrite=True."""
    write = _writers(tmp_path)[name]
    (tmp_path / name).write_text("mine")
    with pytest.raises(FileExistsError, match=rf"{name} exists; pass overwrite=True"):
        write()
    assert (tmp_path / name).read_text() == "mine"
    write(overwrite=True)
    assert (tmp_path / name).read_bytes() != b"mine"


def test_write_table_refuses_before_writing_either_file(tmp_path):
    """write_table with metrics.md there but no metrics.csv: nothing is written (no new metrics.csv left behind)."""
    (tmp_path / "metrics.md").write_text("mine")
    with pytest.raises(FileExistsError, match="metrics.md exists"):
        write_table(_table(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.md"]
    with pytest.raises(TypeError, match="overwrite must be True or False"):  # a text 'no' is truthy: it would replace
        write_table(_table(), tmp_path, overwrite="no")


def test_plot_umaps_refuses_before_drawing(tmp_path, monkeypatch):
    """The refusal comes before the figure is drawn (a UMAP of a large, many-typed embedding takes a while)."""
    monkeypatch.setattr(report.figures, "_umap_figure", lambda *a, **k: 1 / 0)
    (tmp_path / "u.png").write_text("mine")
    with pytest.raises(FileExistsError):
        plot_umaps(np.zeros((4, 2)), list("abab"), None, tmp_path / "u.png", title="e")



@pytest.mark.parametrize("n", [40, 60])
def test_the_bar_charts_legend_stays_inside_the_figure(n):
    """With 40 embeddings the bar chart's one-column legend ran 150 pixels off the figure's foot (the last names
    lost from metrics.png), with 60 tight_layout gave up with a warning; the legend now takes a column per 28 names."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from jae.report.figures import _metric_bars_figure
    from jae.report.table import COLUMNS

    table = pd.DataFrame(np.random.default_rng(0).uniform(size=(n, len(COLUMNS))), columns=COLUMNS,
                         index=[f"run {i}: scvi n_latent=30 n_layers=2 gene_likelihood=nb" for i in range(n)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Tight layout not applied"
        fig = _metric_bars_figure(table)
    box = fig.axes[0].get_legend().get_window_extent(FigureCanvasAgg(fig).get_renderer())
    assert box.y0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    assert len(fig.axes[0].get_legend().get_texts()) == n
