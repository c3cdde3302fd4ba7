"""Approximate k nearest neighbours (euclidean): a seeded inverted-file search refined by nearest-neighbour
descent, the neighbour graph of :mod:`jae.metrics` above :data:`jae.metrics._graph.APPROXIMATE_MIN_CELLS` cells
(or with ``knn='approximate'``).

Why not pynndescent (scanpy's search, which jae used until session 50): its kernels take the distance function as an
argument, so numba compiles them anew in every process, 30-45 s of one core before the first search (43 s of the
81 s metric suite at 150,000 cells, ``benchmarks/results/scale_metrics.md``). The kernels here are specialised to
the squared euclidean distance and cached on disk (numba ``cache=True``: next to this file, or in numba's user
cache directory when the install is read-only, or ``NUMBA_CACHE_DIR``): only the first process compiles them.

The search, all of it seeded and independent of the thread count:

1. **Clusters** (:mod:`jae.metrics._knn_ivf`). Seeded k-means (``KMEANS_ITERATIONS`` Lloyd steps on a seeded
   sample of ``KMEANS_SAMPLE`` cells per cluster) into about ``n / CLUSTER_CELLS`` clusters (at most
   ``sqrt(n * N_PROBE / 2)``); empty clusters are dropped. The cells are then processed in cluster order, so that
   a cell's neighbours lie near it in memory.
2. **Inverted file** (:mod:`jae.metrics._knn_ivf`). Each cell's candidates are the cells of its own ``N_PROBE``
   nearest centroids (since session 51; before, its cluster's centre chose them for all its cells), and
   ``EXTRA_PROBES`` more for a cell whose best candidates already lie in the outer half of those clusters (nearly
   every cell of isotropic noise in many dimensions, few on data with structure). For each block of
   ``QUERY_GROUP`` cells and each cluster, the scores of the block's cells that probe the cluster against its cells
   are one float32 BLAS product; a compiled scan keeps each cell's best few, re-measured as float32 sums of squared
   differences.
3. **Descent.** Nearest-neighbour descent (Dong et al. 2011, as pynndescent) from those lists: each round, every
   cell meets the neighbours of its neighbours (a seeded sample of :data:`MAX_CANDIDATES` of the new and of the old
   entries, forward and reverse), until a round changes fewer than :data:`DESCENT_DELTA` of the entries. Each cell
   pulls its own updates from lists fixed for the round, so cells can be processed in any order.

Blocks are fixed by the data, each BLAS call is single-threaded, and threads only share out whole blocks, so the
lists do not depend on how many threads run. Each list is sorted by distance, then by cell index.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .._compiled import compiled
from .._threads import compute_threads
from .._topk import beats_last, insert
from ._graph import N_NEIGHBORS, _as_float_matrix
from ._knn_ivf import _clusters, _d2, _initial_lists, _run

__all__ = ["approximate_knn", "MIN_CELLS"]

log = logging.getLogger(__name__)

#: Fewer cells than this get exact lists from :func:`approximate_knn`.
MIN_CELLS = 256
#: Most rounds of nearest-neighbour descent.
DESCENT_ROUNDS = 10
#: The descent stops when a round changes fewer than this share of the entries.
DESCENT_DELTA = 0.001
#: Join candidates per cell and round, of the new entries and of the old ones each.
MAX_CANDIDATES = 16
#: Cells per task of the refinement.
REFINE_CHUNK = 8192


@compiled(nogil=True, inline="always")
def _priority(seed, it, a, b):
    """Seeded pseudo-random priority of the pair ``{a, b}`` in round ``it`` (splitmix64 of the four; uint32)."""
    lo = min(a, b)
    hi = max(a, b)
    z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(it) * np.uint64(0xBF58476D1CE4E5B9)
    z ^= np.uint64(lo) * np.uint64(0x94D049BB133111EB) + np.uint64(hi)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return np.uint32(z >> np.uint64(32))


@compiled(nogil=True, inline="always")
def _offer(cand, pri, count, seed, it, v, u):
    """Offer ``u`` to ``v``'s sample ``cand[v, :count[v]]`` (at most ``cand.shape[1]``, ascending priority ``pri``
    of the pair in round ``it``: the lowest stay, ties by index)."""
    c = count[v]
    for t in range(c):
        if cand[v, t] == u:
            return
    p = _priority(seed, it, v, u)
    vals, ids = pri[v], cand[v]
    if c < cand.shape[1]:
        insert(vals, ids, c + 1, p, u)
        count[v] = c + 1
    elif beats_last(vals, ids, c, p, u):
        insert(vals, ids, c, p, u)


@compiled(nogil=True)
def _candidates(idx, flag, seed, it, new_c, new_n, old_c, old_n):
    """Each cell's join candidates of round ``it``: a seeded sample of its listed neighbours and of the cells that
    list it, split by whether the entry is new since the cell's last join; sampled new entries are then marked old."""
    n, m = idx.shape
    new_n[:] = 0
    old_n[:] = 0
    new_p = np.empty(new_c.shape, np.uint32)
    old_p = np.empty(old_c.shape, np.uint32)
    for i in range(n):
        for s in range(m):
            j = idx[i, s]
            if j < 0:
                continue
            if flag[i, s]:
                _offer(new_c, new_p, new_n, seed, it, i, j)
                _offer(new_c, new_p, new_n, seed, it, j, i)
            else:
                _offer(old_c, old_p, old_n, seed, it, i, j)
                _offer(old_c, old_p, old_n, seed, it, j, i)
    for i in range(n):
        for s in range(m):
            if flag[i, s]:
                for t in range(new_n[i]):
                    if new_c[i, t] == idx[i, s]:
                        flag[i, s] = 0
                        break


@compiled(nogil=True)
def _membership(new_c, new_n, old_c, old_n):
    """For each cell ``a``: the cells ``v`` whose candidates hold it (``v`` when new there, ``-v - 1`` when old),
    as offsets and a flat list, in order of ``v``."""
    n = new_c.shape[0]
    offsets = np.zeros(n + 1, np.int64)
    for v in range(n):
        for t in range(new_n[v]):
            offsets[new_c[v, t] + 1] += 1
        for t in range(old_n[v]):
            offsets[old_c[v, t] + 1] += 1
    for a in range(n):
        offsets[a + 1] += offsets[a]
    fill = offsets[:-1].copy()
    flat = np.empty(offsets[n], np.int32)
    for v in range(n):
        for t in range(new_n[v]):
            a = new_c[v, t]
            flat[fill[a]] = v
            fill[a] += 1
        for t in range(old_n[v]):
            a = old_c[v, t]
            flat[fill[a]] = -v - 1
            fill[a] += 1
    return offsets, flat


@compiled(nogil=True, inline="always")
def _consider(X, d2, idx, flag, i, q):
    """Offer cell ``q`` (not listed) to cell ``i``'s list (sorted by distance, then index); 1 when it entered."""
    m = idx.shape[1]
    d = _d2(X, i, q)
    vals, ids = d2[i], idx[i]
    if not beats_last(vals, ids, m, d, q):
        return 0
    p = insert(vals, ids, m, d, q)
    for s in range(m - 1, p, -1):  # the flags move with their entries
        flag[i, s] = flag[i, s - 1]
    flag[i, p] = 1
    return 1


@compiled(nogil=True)
def _join(X, d2, idx, flag, new_c, new_n, old_c, old_n, offsets, flat, start, stop):
    """The local join of nearest-neighbour descent, pulled by each cell ``i`` of ``start..stop``: for every cell
    ``v`` whose candidates hold ``i``, ``i`` meets ``v``'s new candidates, and its old ones too when ``i`` is new
    there (each cell once per ``i``). Only row ``i`` of the lists is written: cells can be joined in any order.
    Returns the entries changed."""
    changed = 0
    seen = np.full(X.shape[0], -1, np.int64)
    for i in range(start, stop):
        seen[i] = i
        for s in range(idx.shape[1]):
            seen[idx[i, s]] = i  # listed already
        for e in range(offsets[i], offsets[i + 1]):
            w = flat[e]
            is_new = w >= 0
            v = w if is_new else -w - 1
            for t in range(new_n[v]):
                q = new_c[v, t]
                if seen[q] != i:
                    seen[q] = i
                    changed += _consider(X, d2, idx, flag, i, q)
            if is_new:
                for t in range(old_n[v]):
                    q = old_c[v, t]
                    if seen[q] != i:
                        seen[q] = i
                        changed += _consider(X, d2, idx, flag, i, q)
    return changed


def _descent(X: np.ndarray, d2: np.ndarray, idx: np.ndarray, seed: int, threads: int):
    """Nearest-neighbour descent from the lists ``(d2, idx)`` (updated in place) until a round changes fewer than
    :data:`DESCENT_DELTA` of the entries, at most :data:`DESCENT_ROUNDS` rounds."""
    n, m = idx.shape
    flag = np.ones((n, m), np.uint8)
    new_c = np.empty((n, MAX_CANDIDATES), np.int32)
    old_c = np.empty((n, MAX_CANDIDATES), np.int32)
    new_n = np.zeros(n, np.int64)
    old_n = np.zeros(n, np.int64)
    chunks = list(range(0, n, REFINE_CHUNK))
    for it in range(DESCENT_ROUNDS):
        t0 = time.perf_counter()
        _candidates(idx, flag, seed, it, new_c, new_n, old_c, old_n)
        offsets, flat = _membership(new_c, new_n, old_c, old_n)
        t1 = time.perf_counter()
        changed = sum(_run(lambda s: _join(X, d2, idx, flag, new_c, new_n, old_c, old_n, offsets, flat, s,
                                           min(n, s + REFINE_CHUNK)), chunks, threads))
        log.debug("approximate_knn: descent round %d changed %d of %d entries (%.1f s sampling, %.1f s join)",
                  it + 1, changed, n * m, t1 - t0, time.perf_counter() - t1)
        if changed <= DESCENT_DELTA * n * m:
            break
    return d2, idx


def approximate_knn(X, *, n_neighbors: int = N_NEIGHBORS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Approximate k nearest neighbours (euclidean): an inverted-file search refined by neighbours of neighbours.

    See the module's description. Seeded: the same ``seed`` and data give the same lists, on any number of threads
    (:func:`jae._threads.compute_threads`). Each cell is first in its own list (distance 0), as in :func:`knn`;
    equal distances are ordered by cell index. Below :data:`MIN_CELLS` cells the lists are computed exactly
    (:func:`jae.metrics._graph.knn`; exact lists cost nothing there).

    Parameters
    ----------
    X
        ``(n_cells, n_dims)`` embedding.
    n_neighbors
        List length, the cell itself included.
    seed
        Seed of the k-means (its sample and starting centres).

    Returns
    -------
    ``(indices, distances)``: int64 and float32 arrays ``(n_cells, n_neighbors)``, self first, then by distance.
    """
    from threadpoolctl import threadpool_limits

    from ..config import as_seed

    seed = as_seed(seed)
    X = _as_float_matrix(X)
    n = X.shape[0]
    k = min(n_neighbors, n)
    if n < MIN_CELLS:
        from ._graph import knn

        return knn(np.ascontiguousarray(X, dtype=np.float32), n_neighbors=k, device="cpu")
    # centred float32 rows keep the scores |y|^2 - 2 x.y accurate; the lists' distances are float32 sums of squared
    # differences (_d2)
    Xc = np.ascontiguousarray(X - X.mean(axis=0, dtype=np.float64), dtype=np.float32)
    sq = np.einsum("ij,ij->i", Xc, Xc)
    m = k - 1
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.zeros((n, k), dtype=np.float32)
    indices[:, 0] = np.arange(n)
    if m == 0:
        return indices, distances
    threads = compute_threads()
    t0 = time.perf_counter()
    with threadpool_limits(1, user_api="blas"):  # one BLAS thread per block: the scores do not depend on threads
        label = _clusters(Xc, np.random.default_rng(seed), threads)
        log.debug("approximate_knn: %d clusters (%.1f s)", label.max() + 1, time.perf_counter() - t0)
        # cells in cluster order from here on: a cell's neighbours lie near it in memory
        order = np.argsort(label, kind="stable")
        Xc, sq, label = Xc[order], sq[order], label[order]
        d2, idx = _initial_lists(Xc, sq, label, m, threads)
        log.debug("approximate_knn: inverted-file lists (%.1f s)", time.perf_counter() - t0)
    d2, idx = _descent(Xc, d2, idx, seed, threads)
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    idx = order[idx[rank]]
    d2 = d2[rank]
    by = np.lexsort((idx, d2))  # each list by (distance, cell index) in the cells' own numbering
    indices[:, 1:] = np.take_along_axis(idx, by, axis=1)
    distances[:, 1:] = np.sqrt(np.take_along_axis(d2, by, axis=1))
    return indices, distances
