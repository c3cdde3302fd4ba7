"""jae.metrics on small cases: hand-computed values and independent reference implementations."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, silhouette_samples as sk_silhouette

from jae import metrics
from jae.metrics._graph import NeighborGraph
from jae.metrics._mt19937 import _mt_next, _mt_seed
from jae.metrics.trajectory import _diffmap

from conftest import gex_with_cycle  # tests/ is on sys.path


def _blobs(n_per=60, k=3, dims=8, spread=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=10, size=(k, dims))
    labels = np.repeat(np.arange(k), n_per)
    X = centers[labels] + rng.normal(scale=spread, size=(len(labels), dims))
    return X.astype(np.float32), labels.astype(str)


# --- the kNN graph -------------------------------------------------------------------------------------------


def test_neighbor_graph_matches_scanpy():
    X, _ = _blobs(n_per=100, spread=3.0)
    adata = ad.AnnData(np.zeros((len(X), 1), dtype=np.float32))
    adata.obsm["X_emb"] = X
    sc.pp.neighbors(adata, use_rep="X_emb")
    g = metrics.neighbor_graph(X)
    expected = adata.obsp["connectivities"].tocsr()
    got = g.connectivities
    assert g.indices.shape == (len(X), 15) and (g.indices[:, 0] == np.arange(len(X))).all()
    assert (expected != 0).toarray().tolist() == (got != 0).toarray().tolist()  # same edges
    assert abs(expected - got).max() < 1e-3
    assert abs(got - got.T).max() == 0 and got.diagonal().max() == 0


def test_mersenne_twister_matches_numpy():
    for seed, numpy_seed in ((0, 4357), (7, 7)):  # igraph seeds 0 as 4357
        mt = _mt_seed(seed)
        ours = [int(_mt_next(mt)) for _ in range(1000)]
        bg = np.random.MT19937()
        bg._legacy_seeding(numpy_seed)
        assert ours == [int(bg.random_raw()) for _ in range(1000)]


# --- clustering / NMI ----------------------------------------------------------------------------------------


def test_nmi_of_separated_blobs_is_one():
    X, labels = _blobs()
    assert metrics.nmi(X, labels) == pytest.approx(1.0)


def test_nmi_of_random_labels_is_low():
    X, labels = _blobs()
    shuffled = np.random.default_rng(1).permutation(labels)
    assert metrics.nmi(X, shuffled) < 0.2


def test_louvain_is_seeded_and_finds_blobs():
    X, labels = _blobs(k=4)
    C = metrics.neighbor_graph(X).connectivities
    a = metrics.louvain(C, resolution=0.5, seed=0)
    assert np.array_equal(a, metrics.louvain(C, resolution=0.5, seed=0))
    assert pd.crosstab(a, labels).gt(0).sum(axis=1).max() == 1  # no cluster mixes two blobs
    assert a.min() == 0 and np.bincount(a)[0] == np.bincount(a).max()


# --- silhouettes ---------------------------------------------------------------------------------------------


def test_silhouette_samples_match_sklearn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    labels = rng.integers(0, 4, 300).astype(str)
    labels[0] = "alone"  # a singleton cluster scores 0
    np.testing.assert_allclose(metrics.silhouette_samples(X, labels), sk_silhouette(X, labels), atol=1e-5)


def test_asw_label_hand_computed():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    # s(0) = (10.5 - 1) / 10.5, s(1) = (9.5 - 1) / 9.5, symmetric for the other cluster
    s = ((10.5 - 1) / 10.5 + (9.5 - 1) / 9.5) / 2
    assert metrics.asw_label(X, ["a", "a", "b", "b"]) == pytest.approx((s + 1) / 2)
    assert np.isnan(metrics.asw_label(X, ["a"] * 4))


def test_asw_batch_hand_computed():
    # one cell type; batch a at 0 and 2, batch b at 1 and 3: silhouettes 0, -0.5, -0.5, 0 -> 1 - |s| = 0.75
    X = np.array([[0.0], [2.0], [1.0], [3.0]])
    assert metrics.asw_batch(X, ["a", "a", "b", "b"], ["t"] * 4) == pytest.approx(0.75)
    # a second type seen in one batch only is skipped
    X2 = np.vstack([X, [[50.0], [51.0]]])
    assert metrics.asw_batch(X2, ["a", "a", "b", "b", "a", "a"], ["t"] * 4 + ["u"] * 2) == pytest.approx(0.75)
    assert np.isnan(metrics.asw_batch(X, ["a"] * 4, ["t"] * 4))


# --- graph connectivity --------------------------------------------------------------------------------------


def test_graph_connectivity_of_a_disconnected_graph():
    # type x: cells 0-1 linked, cell 2 isolated (2/3); type y: cells 3-4 linked (1) -> mean 5/6
    rows, cols = [0, 1, 3, 4, 2, 3], [1, 0, 4, 3, 3, 2]  # the edge 2-3 crosses types and does not count
    C = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(5, 5))
    graph = NeighborGraph(np.zeros((5, 1), dtype=np.int64), np.zeros((5, 1), dtype=np.float32), C)
    assert metrics.graph_connectivity(None, list("xxxyy"), graph=graph) == pytest.approx(5 / 6)
    X, labels = _blobs()
    assert metrics.graph_connectivity(X, labels) == 1.0


# --- cell-cycle conservation ---------------------------------------------------------------------------------


def test_variance_explained_matches_pca_plus_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 30)) @ rng.normal(size=(30, 30))
    cov = rng.normal(size=(200, 2))
    X[:, :2] += 3 * cov
    pca = PCA(n_components=10).fit(X)
    pcs = pca.transform(X)
    r2 = np.array([max(0.0, LinearRegression().fit(cov, pcs[:, i]).score(cov, pcs[:, i])) for i in range(10)])
    expected = (r2 * pca.explained_variance_).sum() / pca.explained_variance_.sum()
    assert metrics.variance_explained(X, cov, n_comps=10) == pytest.approx(expected, rel=1e-6)
    assert metrics.variance_explained(sp.csr_matrix(X), cov, n_comps=10) == pytest.approx(expected, rel=1e-6)


def test_variance_explained_arpack_path_matches_exact():
    rng = np.random.default_rng(1)
    X = sp.random(500, 400, density=0.1, random_state=1, format="csr", dtype=np.float32)
    X.data = np.log1p(10 * X.data)
    cov = rng.normal(size=(500, 2))
    arpack = metrics.variance_explained(X, cov, n_comps=20)  # min(shape) 400 > 200: ARPACK on the sparse matrix
    Xc = X.toarray().astype(np.float64) - X.toarray().mean(axis=0)
    pca = PCA(n_components=20, svd_solver="full").fit(Xc)
    pcs = pca.transform(Xc)
    r2 = np.array([max(0.0, LinearRegression().fit(cov, pcs[:, i]).score(cov, pcs[:, i])) for i in range(20)])
    expected = (r2 * pca.explained_variance_).sum() / pca.explained_variance_.sum()
    assert arpack == pytest.approx(expected, rel=1e-4)


def test_cc_cons_is_one_for_the_unintegrated_data_itself():
    X, names, batch = gex_with_cycle()
    ref = metrics.cell_cycle_reference(X, names, batch, n_comps=50)
    assert len(ref.batches) == 2 and (ref.before > 0).all()
    # an "embedding" spanning the same top PCs as the GEX keeps the cell-cycle variance share exactly
    pcs = np.vstack([PCA(50).fit_transform(X[idx]) for idx in ref.cells])
    assert metrics.cc_cons(pcs, ref) == pytest.approx(1.0, abs=1e-6)
    noise = np.random.default_rng(0).normal(size=(len(X), 20))
    assert metrics.cc_cons(noise, ref) < 0.5
    with pytest.raises(ValueError, match="cells"):
        metrics.cc_cons(noise[:10], ref)


# --- trajectory conservation ---------------------------------------------------------------------------------


def _line(n=200, seed=0):
    # a noisy segment: short enough (in kNN steps) that the first diffusion eigenvalue stays below scanpy's
    # 0.9994 cut-off, so DPT orders the cells along it
    rng = np.random.default_rng(seed)
    t = np.sort(rng.random(n))
    X = np.column_stack([20 * t, rng.normal(size=n), rng.normal(size=n)])
    types = np.array(["early", "mid", "late"])[np.minimum((t * 3).astype(int), 2)]
    return X.astype(np.float32), t, types


def test_diffusion_pseudotime_matches_scanpy():
    X, t, types = _line()
    graph = metrics.neighbor_graph(X)
    adata = ad.AnnData(np.zeros((len(X), 1), dtype=np.float32))
    adata.obsp["connectivities"] = graph.connectivities
    adata.obsp["distances"] = sp.csr_matrix(graph.connectivities.shape, dtype=np.float32)
    adata.uns["neighbors"] = {"connectivities_key": "connectivities", "distances_key": "distances",
                              "params": {"n_neighbors": 15, "method": "umap"}}
    adata.uns["iroot"] = 5
    sc.tl.diffmap(adata)
    sc.tl.dpt(adata)
    evals, evecs = _diffmap(graph.connectivities)
    np.testing.assert_allclose(evals, adata.uns["diffmap_evals"], atol=1e-5)
    ours = metrics.diffusion_pseudotime(evals, evecs, 5)
    np.testing.assert_allclose(ours, adata.obs["dpt_pseudotime"].to_numpy(), atol=1e-4)


def test_trajectory_conservation_of_a_line():
    X, t, types = _line()
    assert metrics.trajectory_conservation(X, types, t) > 0.97
    batch = np.tile(["a", "b"], len(t) // 2)
    assert metrics.trajectory_conservation(X, types, t, batch=batch) > 0.97
    reversed_types = np.where(types == "early", "late", np.where(types == "late", "early", "mid"))
    assert metrics.trajectory_conservation(X, reversed_types, 1 - t) > 0.97  # root follows the earliest type
    # cells off the trajectory (NaN) are ignored; a root type cut off from the largest component scores 0
    pt = t.copy()
    pt[::7] = np.nan
    assert metrics.trajectory_conservation(X, types, pt) > 0.97
    far = X.copy()
    far[types == "early"] += 1000
    assert metrics.trajectory_conservation(far, types, t) == 0.0
    assert np.isnan(metrics.trajectory_conservation(X, types, np.full(len(t), np.nan)))


def test_ti_cons_averages_pseudotimes():
    X, t, types = _line()
    graph = metrics.neighbor_graph(X)
    a = metrics.trajectory_conservation(X, types, t, graph=graph)
    b = metrics.trajectory_conservation(X, types, t**3 + 0.1 * np.sin(40 * t), graph=graph)
    both = metrics.ti_cons(X, types, {"GEX": t, "ADT": t**3 + 0.1 * np.sin(40 * t)}, graph=graph)
    assert both == pytest.approx((a + b) / 2)


# --- the suite -----------------------------------------------------------------------------------------------


def test_suite_reports_undefined_metrics_as_nan_and_averages_the_rest():
    X, labels = _blobs()
    result = metrics.evaluate_embedding(X, cell_type=labels, batch=["only"] * len(labels), progress_bar=False)
    assert list(result.index) == [*metrics.METRICS, "overall"]
    assert np.isnan(result["asw_batch"]) and np.isnan(result["ti_cons"]) and np.isnan(result["cc_cons"])
    assert result.attrs["averaged"] == ["nmi", "asw_label", "graph_conn"]
    assert set(result.attrs["skipped"]) == {"asw_batch", "ti_cons", "cc_cons"}
    assert "single batch" in result.attrs["skipped"]["asw_batch"]
    assert result["overall"] == pytest.approx(result[["nmi", "asw_label", "graph_conn"]].mean())
    assert result["nmi"] == pytest.approx(1.0) and result["graph_conn"] == 1.0


def test_one_cell_type_makes_nmi_na_not_a_chance_zero_or_one():
    """Against a single cell type, the best NMI over the Louvain resolutions is 1 when some resolution happens to
    give one cluster and 0 otherwise: it was 1.0 for random noise and 0.0 for well separated blobs, and entered
    overall. Like asw_label, it is n/a with the reason."""
    X, _ = _blobs(k=4, spread=0.3)
    noise = np.random.default_rng(0).normal(size=X.shape)
    for E in (X, noise):
        result = metrics.evaluate_embedding(E, cell_type=["T"] * len(E), progress_bar=False, diagnostics=False)
        assert np.isnan(result["nmi"]) and result.attrs["skipped"]["nmi"] == "a single cell type"
        assert "nmi" not in result.attrs["averaged"]
        assert result["overall"] == pytest.approx(result[result.attrs["averaged"]].mean())


def test_suite_with_every_input():
    X, names, batch = gex_with_cycle()
    rng = np.random.default_rng(0)
    types = rng.choice(["a", "b", "c"], len(X))
    E = np.hstack([X[:, :40], rng.normal(size=(len(X), 5))]).astype(np.float32)
    pt = pd.DataFrame({"pseudotime_order_GEX": rng.random(len(X))})
    result = metrics.evaluate_embedding(
        E, cell_type=types, batch=batch, pseudotime=pt, gex=X, gex_var_names=names, progress_bar=False
    )
    assert result.attrs["skipped"] == {}
    assert result[list(metrics.METRICS)].between(0, 1).all()
    assert result["overall"] == pytest.approx(result[list(metrics.METRICS)].mean())
    with pytest.raises(ValueError, match="cell_type has"):
        metrics.evaluate_embedding(E, cell_type=types[:-1], progress_bar=False)
    with pytest.raises(ValueError, match="NaN"):
        metrics.evaluate_embedding(np.full_like(E, np.nan), cell_type=types, progress_bar=False)


# --- prediction ----------------------------------------------------------------------------------------------


def test_prediction_metrics_match_sklearn_and_numpy_dense_and_sparse():
    rng = np.random.default_rng(0)
    truth = sp.random(500, 40, density=0.2, random_state=0, format="csr") * 3
    pred = truth.toarray() + rng.normal(scale=0.3, size=truth.shape)
    dense = truth.toarray()
    assert metrics.rmse(truth, pred) == pytest.approx(np.sqrt(mean_squared_error(dense, pred)))
    assert metrics.rmse(dense, pred) == pytest.approx(metrics.rmse(truth, sp.csr_matrix(pred)))
    assert metrics.mae(truth, pred) == pytest.approx(mean_absolute_error(dense, pred))
    assert metrics.pearson(truth, pred) == pytest.approx(np.corrcoef(dense.ravel(), pred.ravel())[0, 1])
    assert metrics.rmse(dense, dense) == 0.0
    with pytest.raises(ValueError, match="same order"):
        metrics.rmse(dense, pred[:, :-1])


def test_labels_indexed_by_cells_are_aligned_to_a_dataframe_embedding():
    """pd.DataFrame(adata.obsm['X_jae'], index=adata.obs_names) scored against obs columns of another cell order (a
    reordered or subset AnnData) paired each cell with another's label by position: nmi 0.61 -> 0.46 silently. The
    labels now follow the embedding's cells, as pandas aligns; labels of other cells are refused."""
    X, labels = _blobs(n_per=40, k=3, seed=3)
    cells = pd.Index([f"cell{i}" for i in range(len(X))])
    emb = pd.DataFrame(X, index=cells)
    types = pd.Series(labels, index=cells).astype(str)
    batch = pd.Series(np.tile(["a", "b"], len(X) // 2), index=cells)
    pseudotime = pd.DataFrame({"pseudotime_order_GEX": np.linspace(0, 1, len(X))}, index=cells)
    order = np.random.default_rng(0).permutation(len(X))
    kw = dict(progress_bar=False, diagnostics=False)
    expected = metrics.evaluate_embedding(X, cell_type=types.to_numpy(), batch=batch.to_numpy(),
                                          pseudotime=pseudotime, **kw)
    shuffled = metrics.evaluate_embedding(emb, cell_type=types.iloc[order], batch=batch.iloc[order],
                                          pseudotime=pseudotime.iloc[order], **kw)
    pd.testing.assert_series_equal(shuffled, expected)
    assert metrics.nmi(emb, types.iloc[order]) == metrics.nmi(X, types.to_numpy())
    assert metrics.asw_label(emb, types.iloc[order]) == metrics.asw_label(X, types.to_numpy())
    assert (metrics.asw_batch(emb, batch.iloc[order], types.iloc[order])
            == metrics.asw_batch(X, batch.to_numpy(), types.to_numpy()))
    assert metrics.graph_connectivity(emb, types.iloc[order]) == metrics.graph_connectivity(X, types.to_numpy())
    # an index of no cell name (0..n-1) is read by position, as before
    by_position = metrics.evaluate_embedding(emb, cell_type=types.reset_index(drop=True),
                                             batch=batch.reset_index(drop=True), pseudotime=pseudotime, **kw)
    pd.testing.assert_series_equal(by_position, expected)
    other = types.rename(index={"cell0": "stranger"})
    with pytest.raises(ValueError, match=r"^cell_type is indexed by other cells than the embedding's index \(1 of its "
                                         r"120 names are not among them, e\.g\. 'stranger'\); pass the values of the "
                                         r"embedding's cells, e\.g\. cell_type=obs\[\.\.\.\]\.reindex\(embedding\.index\)$"):
        metrics.evaluate_embedding(emb, cell_type=other, **kw)
    with pytest.raises(ValueError, match=r"^batch is indexed by other cells .*its 60 names are not all the "):
        metrics.evaluate_embedding(emb, cell_type=types, batch=batch.iloc[:60], **kw)
