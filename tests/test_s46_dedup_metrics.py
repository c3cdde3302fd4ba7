"""One implementation per job in jae.metrics and jae.report.figures (session 46): the metrics that did the same
job in two copies now call one private function, with the same numbers and the same messages as the copies gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae import metrics
from jae.metrics import _graph, mixing, prediction
from jae.report import figures


def _cells(n=80, seed=0):
    rng = np.random.default_rng(seed)
    types = np.repeat(["a", "b"], n // 2)
    X = rng.normal(size=(n, 5)) + np.where(types == "a", 0.0, 4.0)[:, None]
    return X, types


def _spy(monkeypatch, module, name):
    """Record each call of ``module.name`` (its ``caller`` argument where it takes one) and let it run."""
    calls, real = [], getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_nmi_and_graph_connectivity_check_their_inputs_and_build_their_graph_in_one_place(monkeypatch):
    # both ran the same eleven lines (graph type, cells for a graph, labels by cell, graph built, graph aligned)
    from jae.metrics import clustering, connectivity

    X, types = _cells()
    for name in ("_cell_type_inputs", "_labelled_graph"):
        assert getattr(clustering, name) is getattr(connectivity, name) is getattr(_graph, name)
    inputs = _spy(monkeypatch, clustering, "_cell_type_inputs")
    graphs = _spy(monkeypatch, connectivity, "_labelled_graph")
    assert 0 < metrics.nmi(X, types, resolutions=[0.5]) <= 1
    assert metrics.graph_connectivity(X, types) == 1.0
    assert [c[3] for c in inputs] == ["nmi"] and [c[3] for c in graphs] == ["graph_connectivity"]


@pytest.mark.parametrize("fn", [metrics.nmi, metrics.graph_connectivity])
def test_graph_metrics_refuse_as_before(fn):
    X, types = _cells()
    name = fn.__name__
    graph = metrics.neighbor_graph(X[:40])
    with pytest.raises(ValueError, match=rf"^{name}: the graph has 40 cells but cell_type has 80; align them$"):
        fn(None, types, graph=graph)
    with pytest.raises(ValueError, match=rf"^{name}: the embedding has 10 cells, fewer than the 16"):
        fn(X[:10], types[:10])
    with pytest.raises(TypeError, match="^graph must be a jae.metrics.NeighborGraph, not a csr_matrix"):
        fn(X, types, graph=graph.connectivities)
    # a Series of labels is aligned by cell name to a DataFrame embedding, graph given or not
    cells = [f"c{i}" for i in range(80)]
    order = np.random.default_rng(2).permutation(80)
    shuffled = pd.Series(types, index=cells).iloc[order]
    E = pd.DataFrame(X, index=cells)
    assert fn(E, shuffled) == fn(X, types) == fn(None, types, graph=metrics.neighbor_graph(X))


def test_rmse_and_mae_share_one_block_sum_with_the_old_numbers(monkeypatch):
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=(300, 7)), rng.normal(size=(300, 7))
    monkeypatch.setattr(prediction, "_BLOCK_ENTRIES", 50)  # 43 row blocks: the order of the block sums matters
    sse = sae = 0.0  # the two copies' loops, as they were
    for start in range(0, 300, 7):
        sse += float(((y[start:start + 7] - p[start:start + 7]) ** 2).sum())
        sae += float(np.abs(y[start:start + 7] - p[start:start + 7]).sum())
    calls = _spy(monkeypatch, prediction, "_mean_error")
    assert metrics.rmse(y, p) == float(np.sqrt(sse / y.size))
    assert metrics.mae(y, p) == float(sae / y.size)
    assert len(calls) == 2


def test_lisi_scores_check_scale_and_labels_in_one_place(monkeypatch):
    X, types = _cells()
    batch = np.tile(["p", "q"], 40)
    calls = _spy(monkeypatch, mixing, "_lisi_score")
    # the labels reach the shared function as given (it checks them), the scale flag too
    for fn, labels, name in ((metrics.ilisi, batch, "batch"), (metrics.clisi, types, "cell_type")):
        with pytest.raises(TypeError, match="^scale must be True or False, not 'no'$"):
            fn(X, labels, scale="no")
        with pytest.raises(ValueError, match=rf"^{name} has 70 entries but the embedding has 80 cells"):
            fn(X, labels[:70])
        assert 0 <= fn(X, labels) <= 1
    assert [c[2] for c in calls] == ["ilisi"] * 3 + ["clisi"] * 3


def test_report_figures_are_written_by_one_png_writer(tmp_path, monkeypatch):
    X, types = _cells()
    table = pd.DataFrame({"nmi": [0.5, 0.7], "overall": [0.5, 0.7]}, index=["svd", "jae"])
    calls = _spy(monkeypatch, figures, "_write_png")
    bars = figures.plot_metric_bars(table, tmp_path / "bars.png")
    umap = figures.plot_umaps(X[:, :2], types, None, tmp_path / "umap.png", title="t")
    assert [bars.name, umap.name] == ["bars.png", "umap.png"] and len(calls) == 2
    assert bars.read_bytes()[:8] == umap.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # an existing file is refused before anything is drawn, by either figure
    monkeypatch.setattr(figures, "_metric_bars_figure", lambda *a: pytest.fail("drawn"))
    monkeypatch.setattr(figures, "_umap_figure", lambda *a: pytest.fail("drawn"))
    for call in (lambda: figures.plot_metric_bars(table, bars),
                 lambda: figures.plot_umaps(X[:, :2], types, None, bars, title="t")):
        with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
            call()
