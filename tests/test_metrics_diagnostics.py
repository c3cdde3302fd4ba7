"""Diagnostics outside ``overall``: LISI against a slow independent reference and hand-computed values,
cc_cons's before/after shares, block variance shares, and their place in evaluate_embedding."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.sparse.csgraph import dijkstra
from scipy.spatial.distance import cdist
from sklearn.decomposition import PCA

from jae import metrics

from conftest import gex_with_cycle  # tests/ is on sys.path


def _mixed(n_per=70, seed=0):
    """Three batches over two clusters: batch c sits apart, batches a and b share the clusters."""
    rng = np.random.default_rng(seed)
    batch = np.repeat(["a", "b", "c"], n_per)
    cluster = rng.integers(0, 2, len(batch))
    centres = np.array([[0.0] * 6, [6.0] + [0.0] * 5])
    X = centres[cluster] + rng.normal(size=(len(batch), 6))
    X[batch == "c"] += np.array([0, 4.0, 0, 0, 0, 0])
    return X.astype(np.float32), batch, cluster.astype(str)


# --- a slow reference, written from the definition ----------------------------------------------------------


def _reference_simpson(dist, labels, perplexity, tol=1e-5, max_tries=50):
    """One cell: binary search of beta on the entropy of exp(-beta d), then the sum of squared label shares."""
    target = math.log(perplexity)

    def weights(beta):
        w = [math.exp(-beta * d) for d in dist]
        total = sum(w)
        if total == 0:
            return 0.0, [0.0] * len(w)
        entropy = math.log(total) + beta * sum(d * x for d, x in zip(dist, w)) / total
        return entropy, [x / total for x in w]

    beta, lo, hi = 1.0, None, None
    entropy, p = weights(beta)
    for _ in range(max_tries):
        if abs(entropy - target) <= tol:
            break
        if entropy > target:
            lo = beta
            beta = beta * 2 if hi is None else (beta + hi) / 2
        else:
            hi = beta
            beta = beta / 2 if lo is None else (beta + lo) / 2
        entropy, p = weights(beta)
    if entropy == 0:
        return -1.0
    shares = {}
    for label, x in zip(labels, p):
        shares[label] = shares.get(label, 0.0) + x
    return sum(s * s for s in shares.values())


def _reference_lisi_graph(connectivities, labels, k=90):
    """scib's graph LISI: all-pairs shortest paths with connectivities as edge lengths, the k nearest others."""
    paths = dijkstra(connectivities.toarray(), directed=True)
    out = []
    for i in range(paths.shape[0]):
        order = [j for j in np.argsort(paths[i], kind="stable") if j != i and np.isfinite(paths[i, j])][:k]
        out.append(1.0 / _reference_simpson(paths[i, order], labels[order], perplexity=k // 3))
    return np.array(out)


def _reference_lisi_knn(X, labels, k=90):
    """scib-metrics' LISI: brute-force euclidean distances, the k nearest including the cell, which gets no weight."""
    D = cdist(X.astype(np.float64), X.astype(np.float64))
    out = []
    for i in range(len(X)):
        order = [j for j in np.argsort(D[i], kind="stable")[:k] if j != i]
        out.append(1.0 / _reference_simpson(D[i, order], labels[order], perplexity=k // 3))
    return np.array(out)


def test_graph_lisi_matches_a_slow_reference():
    X, batch, cluster = _mixed()
    graph = metrics.neighbor_graph(X)
    idx, dist = metrics.shortest_path_neighbors(graph.connectivities)
    paths = dijkstra(graph.connectivities.toarray(), directed=True)
    np.fill_diagonal(paths, np.inf)
    np.testing.assert_allclose(dist, np.sort(paths, axis=1)[:, :90], rtol=1e-12)
    for labels in (batch, cluster):
        expected = _reference_lisi_graph(graph.connectivities, labels)
        np.testing.assert_allclose(metrics.lisi(idx, dist, labels), expected, rtol=1e-9)
    per_cell = _reference_lisi_graph(graph.connectivities, batch)
    assert 1.1 < np.median(per_cell) < 2.5  # partly mixed: a non-trivial case
    assert metrics.ilisi(X, batch) == pytest.approx((np.median(per_cell) - 1) / 2, rel=1e-9)
    assert metrics.ilisi(None, batch, graph=graph, scale=False) == pytest.approx(np.median(per_cell), rel=1e-9)
    per_type = _reference_lisi_graph(graph.connectivities, cluster)
    assert metrics.clisi(X, cluster) == pytest.approx((2 - np.median(per_type)) / 1, rel=1e-9)


def test_knn_lisi_matches_a_slow_reference():
    X, batch, _ = _mixed(seed=1)
    expected = _reference_lisi_knn(X, batch)
    idx, dist = metrics.lisi_neighbors(X, neighbors="knn")
    assert idx.shape == (len(X), 90)
    np.testing.assert_allclose(metrics.lisi(idx, dist, batch), expected, rtol=1e-5)  # float32 distances
    assert metrics.ilisi(X, batch, neighbors="knn") == pytest.approx((np.median(expected) - 1) / 2, rel=1e-5)


def test_lisi_by_hand():
    # four neighbours at one distance, perplexity 4: uniform weights, shares (1/2, 1/4, 1/4) -> 1 / (3/8)
    idx = np.array([[1, 2, 3, 4]] + [[0, 2, 3, 4]] * 4)
    dist = np.ones(idx.shape)
    labels = np.array(["a", "a", "a", "b", "c"])
    assert metrics.lisi(idx, dist, labels, perplexity=4)[0] == pytest.approx(8 / 3, rel=1e-12)
    # two neighbours at distances 0 ("a") and 1 ("b"): beta solves H(beta) = log(1.5) analytically
    target = math.log(1.5)

    def entropy(beta):
        z = 1 + math.exp(-beta)
        return math.log(z) + beta * math.exp(-beta) / z

    beta = brentq(lambda b: entropy(b) - target, 1e-6, 50)
    p = 1 / (1 + math.exp(-beta))
    got = metrics.lisi(np.array([[1, 2], [0, 2], [0, 1]]), np.array([[0.0, 1.0]] * 3), ["x", "a", "b"],
                       perplexity=1.5)[0]
    assert got == pytest.approx(1 / (p**2 + (1 - p) ** 2), rel=1e-4)
    # the cell itself gets no weight, and a cell reaching fewer neighbours than the others scores 1 (scib)
    idx = np.array([[0, 1, 2], [1, 0, -1], [2, 0, 1]])
    out = metrics.lisi(idx, np.array([[0.0, 1, 1], [0, 1, np.inf], [0, 1, 1]]), ["a", "b", "c"], perplexity=2)
    assert out[0] == pytest.approx(2.0) and out[1] == 1.0


def test_ilisi_extremes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    apart = X.copy()
    batch = np.repeat(["a", "b"], 150)
    apart[batch == "b"] += 50
    assert metrics.ilisi(apart, batch) == pytest.approx(0, abs=1e-9)
    assert metrics.ilisi(apart, batch, neighbors="knn") == pytest.approx(0, abs=1e-9)
    assert metrics.ilisi(X, rng.permutation(batch)) > 0.8  # random labels on one cloud: well mixed
    assert np.isnan(metrics.ilisi(X, ["a"] * 300))
    assert metrics.clisi(apart, batch) == pytest.approx(1, abs=1e-9)
    with pytest.raises(ValueError, match="'graph' or 'knn'"):
        metrics.ilisi(X, batch, neighbors="umap")


# --- cc_cons's before / after -------------------------------------------------------------------------------


def test_cc_cons_details_reproduce_cc_cons():
    X, names, batch = gex_with_cycle()
    ref = metrics.cell_cycle_reference(X, names, batch, n_comps=50)
    rng = np.random.default_rng(0)
    pcs = np.vstack([PCA(20).fit_transform(X[idx]) for idx in ref.cells])
    for E in (pcs, rng.normal(size=(len(X), 20)), pcs + rng.normal(scale=0.3, size=pcs.shape)):
        details = metrics.cc_cons_details(E, ref)
        assert list(details.index) == ["b1", "b2"] and list(details["n_cells"]) == [120, 120]
        np.testing.assert_allclose(details["before"], ref.before)
        for b, idx, cov in zip(ref.batches, ref.cells, ref.covariates):
            assert details.loc[b, "after"] == pytest.approx(metrics.variance_explained(E[idx], cov, n_comps=50))
        by_hand = np.maximum(0, 1 - np.abs(details["after"] - details["before"]) / details["before"])
        np.testing.assert_allclose(details["score"], by_hand)
        np.testing.assert_allclose(details["ratio"], details["after"] / details["before"])
        assert details["score"].mean() == metrics.cc_cons(E, ref)
    # an embedding with twice the GEX's cell-cycle share scores 0: the column that makes a 0 readable
    cycle = np.vstack([np.column_stack([50 * cov @ [1.0, 1.0], rng.normal(size=(len(cov), 3))])
                       for cov in ref.covariates])
    details = metrics.cc_cons_details(cycle, ref)
    assert (details["ratio"] > 2).all() and (details["score"] == 0).all()


# --- block variance shares ----------------------------------------------------------------------------------


def test_embedding_variance_shares():
    rng = np.random.default_rng(0)
    E = np.column_stack([rng.normal(scale=3, size=(500, 2)), rng.normal(size=(500, 3)), rng.normal(size=500)])
    names = ["cell_type:B cell", "cell_type:T cell", "free:0", "free:1", "free:2", "pc:5"]
    shares = metrics.embedding_variance_shares(E, names)
    var = E.var(axis=0)
    assert list(shares.index) == ["cell_type", "free", "pc"]
    np.testing.assert_allclose(shares.to_numpy(), [var[:2].sum(), var[2:5].sum(), var[5]] / var.sum())
    assert shares.sum() == pytest.approx(1.0) and shares.attrs["total"] == pytest.approx(var.sum())
    old = metrics.embedding_variance_shares(E[:, :4], ["batch:s1d1", "phase:S", "phase:G2M", "unnamed"])
    assert list(old.index) == ["batch", "phase", "other"]
    assert metrics.embedding_variance_shares(np.ones((5, 2)), ["a:1", "b:1"]).isna().all()
    with pytest.raises(ValueError, match="one name per column"):
        metrics.embedding_variance_shares(E, names[:-1])


# --- in evaluate_embedding, outside overall -----------------------------------------------------------------


def test_evaluate_embedding_reports_diagnostics_outside_overall():
    X, names, batch = gex_with_cycle()
    ref = metrics.cell_cycle_reference(X, names, batch, n_comps=50)
    rng = np.random.default_rng(1)
    types = rng.integers(0, 3, len(X)).astype(str)
    E = np.column_stack([np.eye(3)[types.astype(int)] * 4, PCA(8).fit_transform(X)]) + rng.normal(
        scale=0.1, size=(len(X), 11))
    columns = [f"cell_type:{t}" for t in "012"] + [f"pc:{i}" for i in range(8)]
    plain = metrics.evaluate_embedding(E, cell_type=types, batch=batch, cell_cycle=ref, progress_bar=False,
                                       diagnostics=False)
    full = metrics.evaluate_embedding(E, cell_type=types, batch=batch, cell_cycle=ref, progress_bar=False,
                                      column_names=columns)
    pd.testing.assert_series_equal(plain, full)  # the scores and overall do not change
    assert "diagnostics" not in plain.attrs
    diag = full.attrs["diagnostics"]
    alone = metrics.diagnose_embedding(E, batch=batch, cell_type=types, cell_cycle=ref, column_names=columns)
    assert list(alone.index) == [*metrics.DIAGNOSTICS, "share:cell_type", "share:pc"]
    np.testing.assert_allclose(pd.Series(diag)[alone.index], alone)
    assert diag["ilisi"] == pytest.approx(metrics.ilisi(E, batch))
    details = metrics.cc_cons_details(E, ref)
    assert diag["cc_before"] == pytest.approx(details["before"].mean())
    assert diag["cc_after"] == pytest.approx(details["after"].mean())
    assert full["cc_cons"] == metrics.cc_cons(E, ref)
    # no batch labels, no cell cycle: those diagnostics are NaN, the rest stays
    bare = metrics.evaluate_embedding(E, cell_type=types, progress_bar=False).attrs["diagnostics"]
    assert np.isnan(bare["ilisi"]) and np.isnan(bare["cc_before"]) and np.isfinite(bare["clisi"])
    assert not any(k.startswith("share:") for k in bare)
    with pytest.raises(ValueError, match="column_names"):
        metrics.evaluate_embedding(E, cell_type=types, column_names=columns[:3], progress_bar=False)

