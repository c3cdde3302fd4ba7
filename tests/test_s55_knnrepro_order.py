"""The exact kNN kernel's per-cluster distance sums and the approximate search's distances have an order of
arithmetic that the compiler cannot change: the kernels compile with fast-math but without reassociation (which let
LLVM reorder a vectorised sum, so the last bits depended on how the kernel was compiled), the sums are exact integer
sums of the rounded distances, and the approximate search's squared distances run over eight fixed lanes."""

import numpy as np
import pytest

from jae.metrics import _knn_cpu, _knn_ivf
from jae.metrics._knn_cpu import knn_cluster_sums_sorted


def _reference_sums(X, cl, n_clusters):
    X64 = X.astype(np.float64)
    sq = (X64 * X64).sum(1)
    D = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * X64 @ X64.T, 0.0))
    return np.stack([D[:, cl == c].sum(1) for c in range(n_clusters)], axis=1)


def _points(n, dim, n_clusters, scale=1.0, seed=1):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, dim)) * scale).astype(np.float32)
    X -= X.mean(axis=0)
    return X, np.sort(rng.integers(0, n_clusters, n))


@pytest.mark.parametrize("scale", [1.0, 1e-12, 1e12])
def test_cluster_sums_match_a_float64_reference_closely(scale):
    # float32 running sums erred up to 5.6e-7 here; exact sums of the float32 distances stay near 4e-8
    X, cl = _points(1500, 20, 3, scale)
    _, _, sums = knn_cluster_sums_sorted(X, cl, 3, 5)
    ref = _reference_sums(X, cl, 3)
    assert np.max(np.abs(sums - ref) / ref) < 1.5e-7


def test_identical_points_sum_to_zero():
    _, _, sums = knn_cluster_sums_sorted(np.ones((50, 4), np.float32), np.zeros(50, np.int64), 1, 3)
    assert np.array_equal(sums, np.zeros((50, 1)))


def test_float_kernels_compile_without_reassociation():
    kernels = {"_segment_sums": _knn_cpu._segment_sums, "_segment": _knn_cpu._segment, "_tile": _knn_cpu._tile,
               "_knn_ivf._d2": _knn_ivf._d2}
    for name, kernel in kernels.items():
        flags = kernel.targetoptions.get("fastmath")
        assert flags is not True and "reassoc" not in flags and "fast" not in flags, (name, flags)


def test_ivf_squared_distances_are_accurate_and_symmetric():
    rng = np.random.default_rng(0)
    for dim in (3, 8, 50):  # a tail only, lanes only, both
        X = rng.normal(size=(40, dim)).astype(np.float32)
        for i, j in [(0, 1), (5, 39), (12, 30)]:
            d = _knn_ivf._d2(X, i, j)
            assert d == _knn_ivf._d2(X, j, i)
            ref = ((X[i].astype(np.float64) - X[j]) ** 2).sum()
            assert abs(d - ref) <= 1e-6 * ref
