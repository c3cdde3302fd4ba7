"""Session 54: the exact voter search, the metrics' exact lists and the approximate search keep their best-``m``
lists with one kernel (jae._topk), ordered by (distance, index): equal distances by the lower index, whatever order
the candidates come in."""

from __future__ import annotations

import numpy as np

from jae._topk import beats_last, insert
from jae.metrics._knn_cpu import knn_cluster_sums_sorted
from jae.model.voters import nearest


def _brute(d: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` smallest entries of ``d``, ties by column index."""
    cols = np.broadcast_to(np.arange(d.shape[1]), d.shape)
    return np.array([np.lexsort((c, r))[:k] for r, c in zip(d, cols)])


def test_insert_keeps_the_m_smallest_value_index_pairs_in_order_offered_in_any_order():
    rng = np.random.default_rng(0)
    for trial in range(40):
        n, m = int(rng.integers(1, 60)), int(rng.integers(1, 12))
        values = rng.integers(0, 4, n).astype(np.float32)  # many equal values
        ids = rng.permutation(200)[:n].astype(np.int64)
        vals, got = np.full(m, np.inf, np.float32), np.full(m, -1, np.int64)
        count = 0
        for t in rng.permutation(n):
            if count < m:
                count += 1
                p = insert(vals, got, count, values[t], ids[t])
            elif beats_last(vals, got, m, values[t], ids[t]):
                p = insert(vals, got, m, values[t], ids[t])
            else:
                continue
            assert got[p] == ids[t] and vals[p] == values[t]
        best = np.lexsort((ids, values))[:m]
        np.testing.assert_array_equal(got[:count], ids[best], err_msg=f"trial {trial}")
        np.testing.assert_array_equal(vals[:count], values[best])


def _grid(n: int, seed: int) -> np.ndarray:
    """Rows of small whole numbers (float32 distances exact): many cells at equal distances, and copies."""
    return np.random.default_rng(seed).integers(0, 3, (n, 4)).astype(np.float32)


def test_exact_searches_list_equal_distances_by_lower_index():
    X = _grid(600, 1)
    d = ((X[:, None, :].astype(np.float64) - X[None]) ** 2).sum(-1)
    idx, dist = nearest(X[:300], X, 15)  # voters: the first 300 rows
    np.testing.assert_array_equal(idx, _brute(d[:, :300], 15))
    np.testing.assert_array_equal(dist, np.sqrt(np.take_along_axis(d[:, :300], idx, 1)).astype(np.float32))
    cl = np.repeat(np.arange(3), 200)
    idx, dist, _ = knn_cluster_sums_sorted(X, cl, 3, 15)  # self first, then the others by (distance, index)
    np.fill_diagonal(d, -1.0)
    np.testing.assert_array_equal(idx, _brute(d, 15))
