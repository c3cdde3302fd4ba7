"""The approximate search's inverted file probes each cell's own nearest centroids (session 51), not its cluster's:
more true neighbours on structureless data, where a k-means cluster is wide, and still the same lists on any number
of threads (the cells are scored in fixed groups)."""

from __future__ import annotations

import logging
import re

import numpy as np

import jae.metrics._knn_ivf as I
from jae.metrics._knn_approx import approximate_knn
from jae.metrics._graph import knn


def _recall(idx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a[1:]) & set(b[1:])) / (exact.shape[1] - 1) for a, b in zip(idx, exact)]))


def test_recall_on_isotropic_noise(monkeypatch):
    """20,000 cells of isotropic noise in 50 dims, 8 of 78 clusters probed (a tenth of the cells, as the search
    probes at a few hundred thousand cells): the cluster's centre picked each cell's candidates before, recall
    0.622; the cell's own nearest centroids, 12 more for the cells whose best candidates reach the outer half of
    them (nearly all, here), find 0.875."""
    E = np.random.default_rng(0).normal(size=(20_000, 50)).astype(np.float32)
    monkeypatch.setattr(I, "N_PROBE", 8)
    idx, dist = approximate_knn(E, seed=0)
    assert _recall(idx, knn(E, device="cpu")[0]) >= 0.8
    rows = np.arange(len(E))[:, None]
    np.testing.assert_allclose(dist, np.linalg.norm(E[idx] - E[rows], axis=2), rtol=1e-5, atol=1e-5)
    assert (np.diff(dist[:, 1:], axis=1) >= 0).all() and (idx[:, 0] == np.arange(len(E))).all()


def test_same_lists_on_one_and_two_threads_with_several_groups(monkeypatch):
    """Groups of 2,048 cells (10 groups) and 4 probes of 39 clusters: each cell's probes are its own, and the lists
    do not depend on how many threads share the groups."""
    E = np.random.default_rng(1).normal(size=(20_000, 20)).astype(np.float32)
    E[:5000] += 4.0  # two blobs: the probes differ between cells of one cluster
    monkeypatch.setattr(I, "QUERY_GROUP", 2048)
    monkeypatch.setattr(I, "N_PROBE", 4)
    monkeypatch.setattr(I, "CLUSTER_CELLS", 512)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = approximate_knn(E, seed=3)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    two = approximate_knn(E, seed=3)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
    assert _recall(one[0], knn(E, device="cpu")[0]) >= 0.5


def test_more_probes_only_where_neighbours_reach_the_edge(monkeypatch, caplog):
    """Cells whose best candidates lie in the outer half of their 8 probes probe 12 more: nearly all cells of
    isotropic noise in 50 dims, few on a 3-dimensional plane in 50 dims (where the search costs what it did)."""
    monkeypatch.setattr(I, "N_PROBE", 8)
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(20_000, 50)).astype(np.float32)
    plane = (rng.normal(size=(20_000, 3)) @ rng.normal(size=(3, 50)) + 0.01 * rng.normal(size=(20_000, 50)))
    shares = []
    for E in (noise, plane.astype(np.float32)):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="jae.metrics._knn_ivf"):
            approximate_knn(E, seed=0)
        (line,) = [r.getMessage() for r in caplog.records if "more clusters" in r.getMessage()]
        outer, n = map(int, re.match(r"approximate_knn: (\d+) of (\d+) cells probe 12 more", line).groups())
        shares.append(outer / n)
    assert shares[0] > 0.9 and shares[1] < 0.1
