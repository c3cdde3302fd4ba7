"""The metrics' approximate neighbour search is jae's own (session 50): cached kernels (no compilation in a second
process, no pynndescent), seeded lists that do not depend on the thread count, equal distances by cell index, full
lists when the list is longer than a cluster, and the recall of the search it replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from jae.metrics._graph import knn, neighbor_graph
from jae.metrics._knn_approx import MIN_CELLS, approximate_knn
from test_metrics_scale import _structured


def _recall(idx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a[1:]) & set(b[1:])) / (exact.shape[1] - 1) for a, b in zip(idx, exact)]))


def _check_lists(idx: np.ndarray, dist: np.ndarray, n: int, k: int) -> None:
    assert idx.shape == dist.shape == (n, k) and idx.dtype == np.int64 and dist.dtype == np.float32
    assert (idx[:, 0] == np.arange(n)).all() and (dist[:, 0] == 0).all()
    assert ((idx >= 0) & (idx < n)).all()
    assert all(len(set(row)) == k for row in idx)  # no cell twice in a list
    assert (np.diff(dist[:, 1:], axis=1) >= 0).all()


CHILD = r"""
import json, sys
import numpy as np
from jae.metrics import _knn_approx as A, _knn_ivf as I
E = np.random.default_rng(0).normal(size=(600, 8)).astype(np.float32)
idx, dist = A.approximate_knn(E, seed=3)
kernels = {id(f): f for m in (A, I) for f in vars(m).values() if hasattr(f, "stats")}.values()
print(json.dumps({"misses": sum(sum(f.stats.cache_misses.values()) for f in kernels),
                  "hits": sum(sum(f.stats.cache_hits.values()) for f in kernels),
                  "pynndescent": "pynndescent" in sys.modules, "checksum": int(idx.sum())}))
"""


def test_second_process_compiles_nothing_and_never_imports_pynndescent(tmp_path):
    """pynndescent compiled its kernels in every process (30-45 s); the search's kernels are cached on disk."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), OMP_NUM_THREADS="1")
    runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1]) for _ in range(2)]
    first, second = runs
    assert not first["pynndescent"] and not second["pynndescent"]
    assert first["misses"] >= 4 and first["hits"] == 0  # the first process compiles (into NUMBA_CACHE_DIR)
    assert second["misses"] == 0 and second["hits"] >= 4  # the second loads the kernels it runs from the cache
    assert first["checksum"] == second["checksum"]


def test_same_lists_on_one_and_two_threads_and_across_calls(monkeypatch):
    E, *_ = _structured(6000, seed=5, dims=30)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = approximate_knn(E, seed=7)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    two = approximate_knn(E, seed=7)
    again = approximate_knn(E, seed=7)
    for a, b, c in zip(one, two, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)
    _check_lists(*one, 6000, 15)


@pytest.mark.parametrize("n, dims", [(3000, 20), (20000, 30)])
def test_recall_on_structured_data(n, dims):
    E, *_ = _structured(n, seed=2, dims=dims)
    idx, dist = approximate_knn(E, seed=0)
    _check_lists(idx, dist, n, 15)
    exact_idx, exact_dist = knn(E, device="cpu")
    assert _recall(idx, exact_idx) >= 0.95
    # distances are the true ones of the listed cells
    rows = np.arange(n)[:, None]
    np.testing.assert_allclose(dist, np.linalg.norm(E[idx] - E[rows], axis=2), rtol=1e-5, atol=1e-5)


def test_duplicated_cells_listed_by_index():
    """Copies of a cell are at distance 0: they come first, in order of cell index (a tie-break pynndescent lacked)."""
    base = np.random.default_rng(4).normal(size=(500, 10)).astype(np.float32)
    E = np.repeat(base, 4, axis=0)  # cells 4c..4c+3 are copies of one another
    idx, dist = approximate_knn(E, n_neighbors=10, seed=0)
    _check_lists(idx, dist, 2000, 10)
    copies = np.array([[j for j in range(4 * (i // 4), 4 * (i // 4) + 4) if j != i] for i in range(2000)])
    np.testing.assert_array_equal(idx[:, 1:4], copies)
    assert (dist[:, 1:4] == 0).all() and (dist[:, 4:] > 0).all()


def test_just_above_min_cells_and_lists_longer_than_clusters():
    E, *_ = _structured(MIN_CELLS + 1, seed=6)
    idx, dist = approximate_knn(E, seed=0)
    exact_idx, exact_dist = knn(E, device="cpu")
    np.testing.assert_array_equal(idx, exact_idx)
    np.testing.assert_allclose(dist, exact_dist, rtol=1e-5, atol=1e-5)
    # lists longer than a cluster's cells: every list full, near exact
    E, *_ = _structured(4000, seed=6)
    k = 512  # twice jae.metrics._knn_approx.CLUSTER_CELLS
    idx, dist = approximate_knn(E, n_neighbors=k, seed=0)
    _check_lists(idx, dist, 4000, k)
    assert _recall(idx, knn(E, n_neighbors=k, device="cpu")[0]) >= 0.95
    g = neighbor_graph(E, knn="approximate", n_neighbors=30, seed=0)
    np.testing.assert_array_equal(g.indices, approximate_knn(E, n_neighbors=30, seed=0)[0])
