"""The CPU half-matrix kernel (jae.metrics._knn_cpu) used above a cell-count threshold: exact kNN lists and
per-cluster distance sums, checked against float64 brute force and against the torch block path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_samples as sk_silhouette_samples

from jae import metrics
from jae.metrics import _graph, _knn_cpu


def _clustered(n: int, n_clusters: int, *, seed: int, dims: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_clusters, n)
    X = rng.normal(size=(n, dims)) + rng.normal(scale=3.0, size=(n_clusters, dims))[labels]
    return X.astype(np.float32), labels


@pytest.mark.parametrize("tile", [(16, 64), (32, 32), (256, 1024)])
def test_fused_matches_float64_brute_force(monkeypatch, tile):
    """Small tiles exercise diagonal tiles, partial blocks and row blocks that span several clusters."""
    monkeypatch.setattr(_knn_cpu, "ROWS", tile[0])
    monkeypatch.setattr(_knn_cpu, "COLS", tile[1])
    X, labels = _clustered(301, 5, seed=0)
    labels[labels == 2] = 3  # an absent cluster id
    indices, distances, sums = _graph._knn_and_cluster_sums_fused(X, labels, 15)

    D = cdist(X.astype(np.float64), X.astype(np.float64))
    expected_idx = np.argsort(D + np.diag(np.full(len(X), -1.0)), axis=1, kind="stable")[:, :15]
    np.testing.assert_array_equal(indices[:, 0], np.arange(len(X)))
    np.testing.assert_array_equal(indices, expected_idx)
    np.testing.assert_allclose(distances, np.take_along_axis(D, expected_idx, axis=1), atol=2e-4)
    assert np.all(distances[:, 0] == 0)
    expected_sums = np.stack([D[:, labels == c].sum(axis=1) for c in range(labels.max() + 1)], axis=1)
    np.testing.assert_allclose(sums, expected_sums, rtol=1e-5, atol=1e-3)
    assert np.all(sums[:, 2] == 0)


def test_fused_without_clusters_and_short_lists(monkeypatch):
    monkeypatch.setattr(_knn_cpu, "ROWS", 8)
    monkeypatch.setattr(_knn_cpu, "COLS", 16)
    X, _ = _clustered(50, 3, seed=1, dims=5)
    D = cdist(X.astype(np.float64), X.astype(np.float64)) + np.diag(np.full(len(X), -1.0))
    for k in (1, 2, 50):
        indices, distances, sums = _graph._knn_and_cluster_sums_fused(X, None, k)
        assert sums is None and indices.shape == (50, k)
        np.testing.assert_array_equal(indices, np.argsort(D, axis=1, kind="stable")[:, :k])


def test_fused_agrees_with_torch_blocks_above_the_threshold():
    """The public entry switches kernels at FUSED_MIN_CELLS; both give the same graph and sums."""
    X, labels = _clustered(_graph.FUSED_MIN_CELLS + 10, 12, seed=2, dims=30)
    fused = metrics._graph.knn_and_cluster_sums(X, labels)
    rng = np.random.default_rng(0)
    sub = rng.choice(len(X), 1500, replace=False)  # below the threshold: torch path vs fused on the same cells
    torch_path = _graph.knn_and_cluster_sums(X[sub], labels[sub])
    fused_sub = _graph._knn_and_cluster_sums_fused(X[sub], labels[sub], 15)
    np.testing.assert_allclose(fused_sub[1], torch_path[1], atol=1e-4)
    np.testing.assert_allclose(fused_sub[2], torch_path[2], rtol=1e-5)
    same = (fused_sub[0] == torch_path[0]).all(axis=1)
    assert same.mean() > 0.99  # the rest: neighbours at float32 ties, in swapped order
    np.testing.assert_allclose(fused_sub[1][~same], torch_path[1][~same], atol=1e-4)  # same distances
    assert fused[0].shape == (len(X), 15) and fused[2].shape == (len(X), 12)
    np.testing.assert_array_equal(fused[0][:, 0], np.arange(len(X)))


def test_fused_rejects_unsorted_clusters():
    X, labels = _clustered(40, 3, seed=3)
    with pytest.raises(ValueError, match="sorted by cluster"):
        _knn_cpu.knn_cluster_sums_sorted(X, labels, 3, 5)


def test_silhouette_and_asw_batch_on_the_fused_path_match_sklearn():
    n = _graph.FUSED_MIN_SUMS + 400
    X, labels = _clustered(n, 4, seed=4)
    np.testing.assert_allclose(metrics.silhouette_samples(X, labels), sk_silhouette_samples(X, labels), atol=1e-5)
    rng = np.random.default_rng(5)
    types = np.where(np.arange(n) < n - 300, "big", "small")  # one type on the fused path, one on torch blocks
    assert (types == "big").sum() >= _graph.FUSED_MIN_SUMS > (types == "small").sum()
    batches = rng.choice(["b0", "b1", "b2"], n)
    expected = np.mean([
        np.mean(1 - np.abs(sk_silhouette_samples(X[types == t], batches[types == t]))) for t in ("big", "small")
    ])
    assert metrics.asw_batch(X, batches, types) == pytest.approx(expected, abs=1e-6)
