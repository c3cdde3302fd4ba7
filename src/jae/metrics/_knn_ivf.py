"""The start of the approximate neighbour search (:mod:`jae.metrics._knn_approx`): seeded k-means clusters and an
inverted file, each cell scored against the cells of its nearest centroids.

Session 51: each cell probes its own :data:`N_PROBE` nearest centroids (among the ``PROBE_POOL`` times as many
clusters nearest its own cluster's centre), not its cluster's: where a k-means cluster is wide (isotropic noise in
many dimensions) its cells' neighbours lie in different clusters. A cell whose best candidates already come from the
outer half of its probes (the neighbours reach the edge of the probed region, as in such noise) probes
:data:`EXTRA_PROBES` more; on data with structure few cells do, so the search costs there what it did.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from .._compiled import compiled
from .._topk import beats_last, insert

log = logging.getLogger(__name__)

#: Cells per k-means cluster, about (the clusters of the inverted file).
CLUSTER_CELLS = 256
#: Clusters whose cells are each cell's candidates (its nearest centroids).
N_PROBE = 32
#: More clusters probed by a cell whose best candidates lie in the outer half of its first N_PROBE.
EXTRA_PROBES = 12
#: A cell's probed clusters are its nearest centroids among this many times N_PROBE clusters nearest its own.
PROBE_POOL = 2
#: Fewest candidates per cell (its cluster's cells probe more clusters while the nearest hold fewer cells).
MIN_CANDIDATES = 512
#: Cells per task of the inverted-file search (fixed: the score blocks do not depend on the thread count).
QUERY_GROUP = 1 << 16
#: Lloyd steps of the k-means on its sample (then one on all cells).
KMEANS_ITERATIONS = 5
#: Sampled cells per k-means cluster.
KMEANS_SAMPLE = 16
#: Scores computed at once per thread (float32: 32 MB).
ENTRIES_PER_BLOCK = 1 << 23
#: Candidates beyond the list's length kept from the float32 scores, re-measured exactly.
EXTRA_CANDIDATES = 8


@compiled(nogil=True, fastmath=True)
def _d2(X, i, j):
    """Squared euclidean distance of rows ``i`` and ``j`` (float32, vectorised: the same sum for the same rows)."""
    s = np.float32(0.0)
    for t in range(X.shape[1]):
        v = X[i, t] - X[j, t]
        s += v * v
    return s


@compiled(nogil=True)
def _scan(scores, queries, first, sq, sv, si):
    """Offer the cells ``first, first + 1, ..`` (the columns of ``scores``: ``-2 x.y``, plus ``sq``, is a float32
    score) to each query ``q = queries[r]``'s running shortlist ``sv[q], si[q]`` of the best scores (ascending, ties
    by index; never the cell itself)."""
    c = sv.shape[1]
    for r in range(scores.shape[0]):
        q = queries[r]
        row = scores[r]
        worst, worst_j = sv[q, c - 1], si[q, c - 1]
        for t in range(scores.shape[1]):
            d = row[t] + sq[first + t]
            if d <= worst:
                j = first + t
                if (d < worst or j < worst_j) and j != q:
                    insert(sv[q], si[q], c, d, j)
                    worst, worst_j = sv[q, c - 1], si[q, c - 1]


@compiled(nogil=True)
def _remeasure(X, si, start, stop, out_d, out_i):
    """Rows ``start..stop`` of the lists: the ``m`` nearest of each cell's shortlist ``si`` (-1: none), re-measured
    as :func:`_d2`."""
    m = out_i.shape[1]
    dv = np.empty(m, np.float32)
    di = np.empty(m, np.int64)
    for i in range(start, stop):
        dv[:] = np.inf
        di[:] = -1
        for s in range(si.shape[1]):
            j = si[i, s]
            if j >= 0:
                d = _d2(X, i, j)
                if beats_last(dv, di, m, d, j):
                    insert(dv, di, m, d, j)
        for s in range(m):
            out_d[i, s] = dv[s]
            out_i[i, s] = di[s]


@compiled(nogil=True)
def _invert(probes, n_clusters):
    """For each cluster, the cells that probe it (``probes``: each cell's clusters, -1 padded), ascending, as
    offsets and a flat list."""
    offsets = np.zeros(n_clusters + 1, np.int64)
    for i in range(probes.shape[0]):
        for s in range(probes.shape[1]):
            if probes[i, s] >= 0:
                offsets[probes[i, s] + 1] += 1
    for b in range(n_clusters):
        offsets[b + 1] += offsets[b]
    fill = offsets[:-1].copy()
    flat = np.empty(offsets[n_clusters], np.int32)
    for i in range(probes.shape[0]):
        for s in range(probes.shape[1]):
            b = probes[i, s]
            if b >= 0:
                flat[fill[b]] = i
                fill[b] += 1
    return offsets, flat


@compiled(nogil=True)
def _outer(si, probes, label, first, m):
    """Whether any of each cell's ``m`` best candidates (``si``, by score) lies in a cluster of the outer half of its
    first probes (``probes[i, :first[i]]``)."""
    n = si.shape[0]
    out = np.zeros(n, np.bool_)
    for i in range(n):
        half = first[i] // 2
        for s in range(min(m, si.shape[1])):
            j = si[i, s]
            if j >= n:
                continue
            b = label[j]
            for r in range(half, first[i]):
                if probes[i, r] == b:
                    out[i] = True
                    break
            if out[i]:
                break
    return out


def _run(work, tasks: list, threads: int) -> list:
    """``work(task)`` for each task, on ``threads`` Python threads (the kernels release the GIL); results in order."""
    if threads <= 1 or len(tasks) <= 1:
        return [work(t) for t in tasks]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(threads, len(tasks))) as pool:
        return list(pool.map(work, tasks))


def _nearest_centroid(X: np.ndarray, centroids: np.ndarray, threads: int) -> np.ndarray:
    """Index of each row's nearest centroid (ties: the lower index), in fixed row blocks."""
    c_sq = np.einsum("ij,ij->i", centroids, centroids)
    rows = max(1, ENTRIES_PER_BLOCK // max(len(centroids), 1))
    out = np.empty(len(X), np.int64)

    def work(s: int) -> None:
        scores = X[s:s + rows] @ centroids.T
        scores *= -2.0
        scores += c_sq
        out[s:s + rows] = scores.argmin(axis=1)

    _run(work, list(range(0, len(X), rows)), threads)
    return out


def _centroids(X: np.ndarray, label: np.ndarray, n_clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each cluster's rows (float64 sums in row order) and the cluster sizes."""
    counts = np.bincount(label, minlength=n_clusters)
    sums = np.zeros((n_clusters, X.shape[1]))
    order = np.argsort(label, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    nonempty = counts > 0
    sums[nonempty] = np.add.reduceat(X[order].astype(np.float64), starts[nonempty], axis=0)
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32), counts


def _clusters(X: np.ndarray, rng: np.random.Generator, threads: int) -> np.ndarray:
    """Seeded k-means labels of the rows, clusters numbered 0.. with none empty."""
    n = len(X)
    n_clusters = max(1, min(n // CLUSTER_CELLS, math.isqrt(n * N_PROBE // 2)))
    sample = np.sort(rng.choice(n, size=min(n, n_clusters * KMEANS_SAMPLE), replace=False))
    S = X[sample]
    centroids = S[np.sort(rng.choice(len(S), size=n_clusters, replace=False))]
    for _ in range(KMEANS_ITERATIONS):
        label = _nearest_centroid(S, centroids, threads)
        new, counts = _centroids(S, label, n_clusters)
        centroids = np.where(counts[:, None] > 0, new, centroids)  # an empty cluster keeps its centre
    label = _nearest_centroid(X, centroids, threads)
    return np.unique(label, return_inverse=True)[1].astype(np.int64)


def _initial_lists(X: np.ndarray, sq: np.ndarray, label: np.ndarray, m: int, threads: int):
    """Each cell's ``m`` nearest among the cells of its probed clusters: ``(squared distances, indices)`` ``(n, m)``.
    The rows are in cluster order (each cluster's cells contiguous)."""
    n = len(X)
    n_clusters = int(label.max()) + 1
    counts = np.bincount(label, minlength=n_clusters)
    stops = np.cumsum(counts)
    starts = stops - counts
    centroids, _ = _centroids(X, label, n_clusters)
    cc = np.einsum("ij,ij->i", centroids, centroids)
    c_d = cc[:, None] + cc[None, :] - 2.0 * (centroids @ centroids.T)
    np.fill_diagonal(c_d, -np.inf)  # a cluster comes first among its own nearest
    near = np.argsort(c_d, axis=1, kind="stable")
    need = min(n - 1, max(MIN_CANDIDATES, 4 * (m + EXTRA_CANDIDATES)))
    width = [max(N_PROBE, int(np.searchsorted(np.cumsum(counts[near[cl]]), need + 1)) + 1) for cl in range(n_clusters)]
    first = np.minimum(n_clusters, width)
    probes = np.full((n, min(n_clusters, max(width) + EXTRA_PROBES)), -1, np.int32)

    def choose(cl: int) -> None:  # a cell's own nearest centroids among its cluster's PROBE_POOL times as many
        p = min(n_clusters, width[cl] + EXTRA_PROBES)
        pool = near[cl, :min(n_clusters, PROBE_POOL * p)]
        scores = X[starts[cl]:stops[cl]] @ centroids[pool].T
        scores *= -2.0
        scores += cc[pool]
        probes[starts[cl]:stops[cl], :p] = pool[np.argsort(scores, axis=1, kind="stable")[:, :p]]

    _run(choose, list(range(n_clusters)), threads)
    c = min(m + EXTRA_CANDIDATES, n - 1)
    sv = np.full((n, c), np.inf, np.float32)
    si = np.full((n, c), n, np.int32)

    def scan(probed: np.ndarray) -> None:  # each cell against the clusters it probes (-1: none)
        offsets, flat = _invert(probed, n_clusters)

        def work(g: int) -> None:  # the cells g..g + QUERY_GROUP, one BLAS product per cluster
            for b in range(n_clusters):
                probing = flat[offsets[b]:offsets[b + 1]]
                lo, hi = np.searchsorted(probing, [g, g + QUERY_GROUP])
                if hi > lo:
                    queries = probing[lo:hi]
                    _scan(X[queries] @ (-2.0 * X[starts[b]:stops[b]]).T, queries, starts[b], sq, sv, si)

        _run(work, list(range(0, n, QUERY_GROUP)), threads)

    cell_first = np.repeat(first, counts)
    scan(np.where(np.arange(probes.shape[1]) < cell_first[:, None], probes, -1).astype(np.int32))
    if probes.shape[1] > first.min():
        outer = _outer(si, probes, label, cell_first, m)
        log.debug("approximate_knn: %d of %d cells probe %d more clusters", outer.sum(), n, EXTRA_PROBES)
        extra = (np.arange(probes.shape[1]) >= cell_first[:, None]) & outer[:, None]
        scan(np.where(extra, probes, -1).astype(np.int32))
    si[si == n] = -1
    out_d = np.empty((n, m), np.float32)
    out_i = np.empty((n, m), np.int32)
    _run(lambda g: _remeasure(X, si, g, min(n, g + QUERY_GROUP), out_d, out_i), list(range(0, n, QUERY_GROUP)),
         threads)
    return out_d, out_i
