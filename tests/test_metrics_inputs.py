"""jae.metrics called directly as a scanpy user would: pandas inputs, odd label sets, undefined cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae import metrics


def _line(n=120, seed=0):
    """Cells along a noisy segment: the embedding orders them by the reference pseudotime ``t``."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.random(n))
    X = np.column_stack([20 * t, rng.normal(size=n), rng.normal(size=n)]).astype(np.float32)
    types = np.array(["early", "mid", "late"])[np.minimum((t * 3).astype(int), 2)]
    return X, t, types


def test_trajectory_metrics_align_series_to_a_dataframe_embedding():
    # obs columns in another cell order than a DataFrame embedding: aligned by cell name (as evaluate_embedding
    # does), not paired by position with other cells' pseudotimes
    X, t, types = _line()
    cells = [f"cell{i}" for i in range(len(t))]
    E = pd.DataFrame(X, index=cells)
    order = np.random.default_rng(1).permutation(len(t))
    obs = pd.DataFrame({"cell_type": types, "pt": t, "batch": np.tile(["a", "b"], len(t) // 2)}, index=cells)
    shuffled = obs.iloc[order]
    expected = metrics.trajectory_conservation(X, types, t, batch=obs["batch"].to_numpy())
    assert expected > 0.97
    got = metrics.trajectory_conservation(E, shuffled["cell_type"], shuffled["pt"], batch=shuffled["batch"])
    assert got == pytest.approx(expected)
    both = metrics.ti_cons(E, shuffled["cell_type"], {"GEX": shuffled["pt"], "ADT": shuffled["pt"]})
    assert both == pytest.approx(metrics.trajectory_conservation(X, types, t))
    frame = metrics.ti_cons(E, shuffled["cell_type"], shuffled[["pt"]])
    assert frame == pytest.approx(metrics.trajectory_conservation(X, types, t))
    result = metrics.evaluate_embedding(E, cell_type=shuffled["cell_type"], pseudotime={"GEX": shuffled["pt"]},
                                        progress_bar=False, diagnostics=False)
    assert result["ti_cons"] == pytest.approx(metrics.trajectory_conservation(X, types, t))


def test_pseudotime_as_one_array_and_refused_shapes_and_text():
    X, t, types = _line()
    # ti_cons of a single (n_cells,) array, as evaluate_embedding takes it: the one pseudotime's conservation
    assert metrics.ti_cons(X, types, t) == pytest.approx(metrics.trajectory_conservation(X, types, t))
    # a 2-D array of two pseudotimes was flattened and refused for its length (2n "entries"); text failed in numpy
    with pytest.raises(ValueError, match=r"pseudotime is an array of shape \(120, 2\).*DataFrame or \{name"):
        metrics.evaluate_embedding(X, cell_type=types, pseudotime=np.column_stack([t, t]), progress_bar=False)
    words = np.where(t < 0.5, "early", "late")
    with pytest.raises(ValueError, match=r"pseudotime\['GEX'\] holds values that are not numbers \(e\.g\. 'early'\)"):
        metrics.evaluate_embedding(X, cell_type=types, pseudotime={"GEX": words}, progress_bar=False)
    with pytest.raises(ValueError, match=r"^pseudotime holds values that are not numbers"):
        metrics.trajectory_conservation(X, types, words)
    # pandas' nullable dtypes (as read from h5ad or with dtype_backend) are numbers, their NA off the trajectory
    nullable = pd.Series(np.round(t * 1000), dtype="Int64").mask(np.arange(len(t)) % 9 == 0)
    assert metrics.ti_cons(X, types, {"GEX": nullable}) == pytest.approx(
        metrics.trajectory_conservation(X, types, nullable.to_numpy(dtype=float, na_value=np.nan)))
    # a column vector is one pseudotime
    assert metrics.trajectory_conservation(X, types, t[:, None]) == pytest.approx(
        metrics.trajectory_conservation(X, types, t))


def test_prediction_metrics_take_coo_lists_and_name_an_anndata():
    import anndata as ad
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    y = rng.poisson(1.0, size=(30, 6)).astype(np.float32)
    p = y + rng.normal(scale=0.5, size=y.shape)
    d = (y - p).ravel()
    rmse, mae = np.sqrt(np.mean(d**2)), np.mean(np.abs(d))
    # a COO target (scipy.io.mmread's output) failed with "'coo_matrix' object is not subscriptable", nested lists
    # with "'list' object has no attribute 'shape'"
    for truth, pred in [(sp.coo_matrix(y), p), (y.tolist(), p.tolist()), (sp.coo_array(y), sp.coo_matrix(p))]:
        assert metrics.rmse(truth, pred) == pytest.approx(rmse)
        assert metrics.mae(truth, pred) == pytest.approx(mae)
        assert metrics.pearson(truth, pred) == pytest.approx(np.corrcoef(y.ravel(), np.asarray(p).ravel())[0, 1])
    # an AnnData was read as a sequence of elements: "setting an array element with a sequence"
    with pytest.raises(TypeError, match=r"^y_true is an AnnData; pass its normalised values, e\.g\. y_true=adata\.X"):
        metrics.rmse(ad.AnnData(y), p)


def test_nmi_of_a_single_cell_type_is_nan_with_a_warning(caplog):
    X = np.random.default_rng(0).normal(size=(40, 4))
    # nmi against one label was 1.0 (or 0.0, by whether a resolution gives one cluster) with no message, where
    # evaluate_embedding reports it n/a
    with caplog.at_level("WARNING", logger="jae.metrics.clustering"):
        assert np.isnan(metrics.nmi(X, ["T"] * 40))
    assert "nmi is undefined for a single cell type" in caplog.text


def test_asw_label_skipped_for_one_cell_per_type_names_that_case():
    X = np.random.default_rng(0).normal(size=(40, 4))
    # a label per cell (e.g. cell barcodes passed as cell_type): asw_label was skipped as "a single cell type"
    result = metrics.evaluate_embedding(X, cell_type=[f"c{i}" for i in range(40)], progress_bar=False,
                                        diagnostics=False)
    assert np.isnan(result["asw_label"])
    assert result.attrs["skipped"]["asw_label"] == ("each of the 40 cells is its own cell type (a silhouette needs a "
                                                    "type of at least 2 cells)")
    single = metrics.evaluate_embedding(X, cell_type=["T"] * 40, progress_bar=False, diagnostics=False)
    assert single.attrs["skipped"]["asw_label"] == single.attrs["skipped"]["nmi"] == "a single cell type"


def test_undefined_trajectory_conservation_says_why(caplog):
    X, t, types = _line()
    # a constant reference pseudotime (e.g. a placeholder column of zeros) was NaN with no message, and
    # evaluate_embedding skipped ti_cons as "undefined on this data"
    with caplog.at_level("WARNING", logger="jae.metrics.trajectory"):
        assert np.isnan(metrics.trajectory_conservation(X, types, np.zeros(len(t))))
    assert "the reference pseudotime is 0 for every cell on the trajectory: no order to conserve" in caplog.text
    result = metrics.evaluate_embedding(X, cell_type=types, pseudotime={"GEX": t, "ADT": np.full(len(t), np.nan)},
                                        progress_bar=False, diagnostics=False)
    assert np.isnan(result["ti_cons"]) and "ti_cons" not in result.attrs["averaged"]
    assert result.attrs["skipped"]["ti_cons"] == "ADT: no cell has a pseudotime"
    zeros = metrics.evaluate_embedding(X, cell_type=types, pseudotime=np.zeros(len(t)), progress_bar=False,
                                       diagnostics=False)
    assert zeros.attrs["skipped"]["ti_cons"].startswith("pseudotime: the reference pseudotime is 0 for every cell")
    # one cell per batch on the trajectory: no batch has a correlation
    pt = np.full(len(t), np.nan)
    pt[:6] = t[:6]
    assert np.isnan(metrics.trajectory_conservation(X, types, pt, batch=[f"b{i}" for i in range(len(t))]))
    assert "no batch has two trajectory cells" in caplog.text


def test_label_count_refused_naming_cell_type_before_the_graph(monkeypatch):
    X = np.random.default_rng(0).normal(size=(40, 4))
    short = np.arange(39) % 3
    # asw_label named the argument "labels"; nmi and graph_connectivity built the kNN graph (O(n^2)) before
    # comparing the lengths
    # (both build their graph through jae.metrics._graph._labelled_graph)
    monkeypatch.setattr("jae.metrics._graph.neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    expected = r"^cell_type has 39 entries but the embedding has 40 cells; align them by cell$"
    for fn in (metrics.nmi, metrics.graph_connectivity, metrics.asw_label):
        with pytest.raises(ValueError, match=expected):
            fn(X, short)
    graph = metrics.neighbor_graph(X)
    with pytest.raises(ValueError, match=r"^nmi: the graph has 40 cells but cell_type has 39; align them$"):
        metrics.nmi(None, short, graph=graph)


def test_neighbor_graph_refuses_fewer_than_two_neighbours():
    X = np.random.default_rng(0).normal(size=(30, 4))
    # 0 crashed with torch's "index 0 is out of bounds for dimension 1 with size 0"; 1 (the cell itself only)
    # returned a graph without a single edge, every cell its own component
    for bad in (0, 1, 2.5, None):
        with pytest.raises(ValueError, match=rf"^n_neighbors must be a whole number >= 2 .*, not {bad!r}$"):
            metrics.neighbor_graph(X, n_neighbors=bad)
    graph = metrics.neighbor_graph(X, n_neighbors=np.int64(2))
    assert graph.indices.shape == (30, 2) and graph.connectivities.nnz > 0


def test_lisi_of_a_single_label_warns_before_the_neighbour_lists(caplog, monkeypatch):
    X = np.random.default_rng(0).normal(size=(50, 4))
    # ilisi / clisi of one batch / one cell type were NaN with no message, after the shortest-path lists
    monkeypatch.setattr("jae.metrics.mixing.lisi_neighbors", lambda *a, **k: pytest.fail("lists built"))
    with caplog.at_level("WARNING", logger="jae.metrics.mixing"):
        assert np.isnan(metrics.ilisi(X, ["b"] * 50))
        assert np.isnan(metrics.clisi(X, ["T"] * 50))
    assert "ilisi is undefined for a single batch" in caplog.text
    assert "clisi is undefined for a single cell type" in caplog.text


def test_pearson_of_a_constant_prediction_says_why(caplog):
    y = np.random.default_rng(0).normal(size=(20, 5))
    # a constant prediction (e.g. every cell predicted the mean) gave NaN with no message
    with caplog.at_level("WARNING", logger="jae.metrics.prediction"):
        assert np.isnan(metrics.pearson(y, np.ones_like(y)))
    assert "pearson is undefined: y_pred is constant (no variance to correlate)" in caplog.text
    assert metrics.pearson(y, 2 * y + 1) == pytest.approx(1.0)


def test_cc_cons_without_a_cycling_signal_warns(caplog):
    from jae.metrics import CellCycleReference

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 6))
    ref = CellCycleReference(("a", "b"), (np.arange(30), np.arange(30, 60)), (rng.normal(size=(30, 2)),) * 2,
                             np.zeros(2), 50)
    # cc_cons was NaN with no message (evaluate_embedding alone said why)
    with caplog.at_level("WARNING", logger="jae.metrics.cell_cycle_cons"):
        assert np.isnan(metrics.cc_cons(X, ref))
    assert "cc_cons is n/a: the cell-cycle scores explain none of the GEX variance in any batch" in caplog.text
    details = metrics.cc_cons_details(X, ref)
    assert details["score"].isna().all() and (details["before"] == 0).all()


def test_too_few_trajectory_cells_are_counted_not_called_none(caplog):
    X, t, types = _line()
    pt = np.full(len(t), np.nan)
    pt[[3, 50]] = t[[3, 50]]
    # two cells with a pseudotime were reported as "no cell has a pseudotime"
    with caplog.at_level("WARNING", logger="jae.metrics.trajectory"):
        assert np.isnan(metrics.trajectory_conservation(X, types, pt))
    assert "only 2 cell(s) have a pseudotime (3 or more needed)" in caplog.text
    result = metrics.evaluate_embedding(X, cell_type=types, pseudotime=pt, progress_bar=False, diagnostics=False)
    assert result.attrs["skipped"]["ti_cons"] == "only 2 cell(s) have a pseudotime (3 or more needed)"
    none = metrics.evaluate_embedding(X, cell_type=types, pseudotime=np.full(len(t), np.nan), progress_bar=False,
                                      diagnostics=False)
    assert none.attrs["skipped"]["ti_cons"] == "no cell has a pseudotime"


def test_variance_explained_takes_one_covariate_and_refuses_bad_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 10))
    s = rng.normal(size=80)
    X[:, 0] += 3 * s
    # a single covariate (scib's pc_regression takes one) failed in numpy: "1-dimensional array given"
    one = metrics.variance_explained(X, s)
    assert one == metrics.variance_explained(X, s[:, None]) == metrics.variance_explained(X, pd.Series(s))
    assert 0.3 < one < 1
    with pytest.raises(ValueError, match=r"^variance_explained: covariates must be numbers; one-hot encode"):
        metrics.variance_explained(X, np.array(["G1", "S"] * 40))
    with pytest.raises(ValueError, match=r"^variance_explained: covariates hold NaN or infinite values"):
        metrics.variance_explained(X, np.where(np.arange(80) == 0, np.nan, s))
    with pytest.raises(ValueError, match=r"^variance_explained: covariates of shape \(79, 1\) for 80 cells"):
        metrics.variance_explained(X, s[:79])


def test_gex_without_gene_names_is_refused_before_the_graph(monkeypatch):
    X = np.random.default_rng(0).normal(size=(40, 4))
    # refused only after the kNN graph, NMI's 20 Louvain runs and the silhouettes
    monkeypatch.setattr("jae.metrics.suite.knn_and_cluster_sums", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(ValueError, match=r"^evaluate_embedding: gex was given without gex_var_names; pass the gene"):
        metrics.evaluate_embedding(X, cell_type=np.arange(40) % 3, gex=np.ones((40, 5)), progress_bar=False)


def test_gex_as_an_anndata_is_refused_naming_adata_x():
    import anndata as ad

    from jae.preprocess import cell_cycle_genes

    rng = np.random.default_rng(0)
    s, g2m = cell_cycle_genes("human")
    genes = list(s) + list(g2m) + [f"g{i}" for i in range(50)]
    adata = ad.AnnData(np.log1p(rng.poisson(1.0, (60, len(genes))).astype(np.float32)))
    adata.var_names = genes
    # numpy read the AnnData as a sequence ("setting an array element with a sequence ... 64"); evaluate_embedding
    # caught that and reported cc_cons n/a with numpy's text as the reason
    with pytest.raises(TypeError, match=r"^gex_lognorm is an AnnData; pass its log-normalised values and its gene "
                                        r"names, e\.g\. gex_lognorm=adata\.X with adata\.var_names$"):
        metrics.cell_cycle_reference(adata, adata.var_names, np.zeros(60))
    with pytest.raises(TypeError, match=r"^gex is an AnnData; .* gex=adata\.X with adata\.var_names$"):
        metrics.evaluate_embedding(rng.normal(size=(60, 4)), cell_type=np.arange(60) % 3, gex=adata,
                                   gex_var_names=adata.var_names, progress_bar=False)
    assert np.isfinite(metrics.cell_cycle_reference(adata.X, adata.var_names, np.zeros(60)).before).all()


def test_gex_of_other_cells_or_genes_is_refused_not_skipped():
    rng = np.random.default_rng(0)
    gex = np.log1p(rng.poisson(1.0, (60, 30)).astype(np.float32))
    genes = [f"g{i}" for i in range(30)]
    E, types = rng.normal(size=(60, 4)), np.arange(60) % 3
    # both were caught as scoring errors: cc_cons n/a, "cell-cycle scores unavailable: batch has 60 entries but the
    # embedding has 59 cells" (the GEX, not the batch, was short) or the gene-name count, and overall went on
    with pytest.raises(ValueError, match=r"^evaluate_embedding: gex has 59 cells but the embedding has 60; pass the"):
        metrics.evaluate_embedding(E, cell_type=types, gex=gex[:59], gex_var_names=genes, progress_bar=False)
    with pytest.raises(ValueError, match=r"^evaluate_embedding: gex has 30 genes but gex_var_names has 29 names"):
        metrics.evaluate_embedding(E, cell_type=types, gex=gex, gex_var_names=genes[:29], progress_bar=False)


def test_cell_cycle_reference_of_other_cells_is_refused_before_the_graph(monkeypatch):
    from jae.metrics import CellCycleReference

    rng = np.random.default_rng(0)
    ref = CellCycleReference(("a",), (np.arange(50),), (rng.normal(size=(50, 2)),), np.array([0.1]), 50)
    # refused by cc_cons only after the graph, NMI and the silhouettes
    monkeypatch.setattr("jae.metrics.suite.knn_and_cluster_sums", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(ValueError, match=r"^evaluate_embedding: the cell_cycle reference covers 50 cells but the "
                                         r"embedding has 60; build the reference from the same cells$"):
        metrics.evaluate_embedding(rng.normal(size=(60, 4)), cell_type=np.arange(60) % 3, cell_cycle=ref,
                                   progress_bar=False)


def test_prediction_dataframes_are_compared_by_label():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(12, 4))
    p = y + rng.normal(scale=0.1, size=y.shape)
    cells, proteins = [f"c{i}" for i in range(12)], ["CD3", "CD4", "CD8", "CD19"]
    truth = pd.DataFrame(y, index=cells, columns=proteins)
    pred = pd.DataFrame(p, index=cells, columns=proteins)
    expected = np.sqrt(np.mean((y - p) ** 2))
    # a prediction with its proteins (or cells) in another order was compared by position: a wrong RMSE
    shuffled = pred.iloc[::-1, [2, 0, 3, 1]]
    assert metrics.rmse(truth, shuffled) == pytest.approx(expected)
    assert metrics.mae(truth, shuffled) == pytest.approx(np.mean(np.abs(y - p)))
    assert metrics.pearson(truth, shuffled) == pytest.approx(np.corrcoef(y.ravel(), p.ravel())[0, 1])
    with pytest.raises(ValueError, match=r"^y_true and y_pred are DataFrames of other features \(columns\)"):
        metrics.rmse(truth, pred.rename(columns={"CD3": "CD3E"}))
    assert metrics.rmse(truth, p) == pytest.approx(expected)  # an array: by position, as documented
