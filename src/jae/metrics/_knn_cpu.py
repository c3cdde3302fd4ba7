"""Exact kNN lists and per-cluster distance sums in one cache-blocked pass over half the distance matrix (CPU).

The CPU counterpart of the torch distance blocks in :mod:`jae.metrics._graph`, used for large inputs: the pairwise
distances are visited once per unordered pair, tile by tile (a small BLAS product, then one fused compiled loop
that turns it into distances while the tile is still in cache), and each distance updates both cells: the kNN
candidate lists of both (a bounded insertion list, rarely touched once filled) and the distance sums of each cell
to the other's cluster. Rows must be sorted by cluster so that the sums run over contiguous column ranges.
"""

from __future__ import annotations

import numpy as np

from .._compiled import compiled
from .._topk import insert

__all__ = ["knn_cluster_sums_sorted"]

_BIG = np.float32(3.0e38)  # larger than any squared distance of finite float32 data we accept
ROWS, COLS = 256, 1024  # tile: ROWS x COLS float32 (1 MiB) stays in L2 while it is scanned


@compiled(nogil=True, fastmath=True, inline="always")
def _segment_sums(g, sqj, sqi, thr, colmin, colacc):
    """Squared distances of one row against a run of same-cluster columns (in place), their count below ``thr``,
    column minima, and the distances added to the column sums and summed (vectorised; all values finite)."""
    two = np.float32(2.0)
    zero = np.float32(0.0)
    acc = zero
    nb = 0
    for t in range(g.shape[0]):
        d2 = max(sqi + sqj[t] - two * g[t], zero)
        g[t] = d2
        nb += d2 < thr
        colmin[t] = min(colmin[t], d2)
        dist = np.sqrt(d2)
        acc += dist
        colacc[t] += dist
    return nb, acc


@compiled(nogil=True, fastmath=True, inline="always")
def _segment(g, sqj, sqi, thr, colmin):
    """:func:`_segment_sums` without the sums."""
    two = np.float32(2.0)
    zero = np.float32(0.0)
    nb = 0
    for t in range(g.shape[0]):
        d2 = max(sqi + sqj[t] - two * g[t], zero)
        g[t] = d2
        nb += d2 < thr
        colmin[t] = min(colmin[t], d2)
    return nb


@compiled(nogil=True, fastmath=True)
def _tile(G, sq, cl, I0, J0, c_from, with_sums, sums, colacc, colmin, below, hd, m, cluster_stop):
    """Turn the products ``G`` of rows ``I0..`` and columns ``J0..`` into squared distances in place, adding the
    distances to the cluster sums: of each row (all columns) and of each column ``>= c_from`` (the upper part).
    Records, per row, how many entries beat the row's current worst neighbour (``below``) and, per column, the
    smallest entry (``colmin``).

    Fast-math (vectorised square roots and sums) is safe here: all values are finite and non-negative.
    """
    R, C = G.shape
    zero = np.float32(0.0)
    for t in range(C):
        colmin[t] = np.float32(3.0e38)
        colacc[t] = zero
    cur = cl[I0]
    for ii in range(R):
        i = I0 + ii
        if with_sums and cl[i] != cur:  # rows change cluster: flush the column sums of the previous one
            for t in range(c_from, C):
                sums[J0 + t, cur] += colacc[t]
                colacc[t] = zero
            cur = cl[i]
        sqi = sq[i]
        thr = hd[i, m - 1] if m > 0 else zero
        g = G[ii]
        nb = 0
        t0 = 0
        while t0 < C:
            c = cl[J0 + t0]
            t1 = min(C, cluster_stop[c] - J0)
            if with_sums:
                nb_seg, acc = _segment_sums(g[t0:t1], sq[J0 + t0 : J0 + t1], sqi, thr, colmin[t0:t1], colacc[t0:t1])
                sums[i, c] += acc
            else:
                nb_seg = _segment(g[t0:t1], sq[J0 + t0 : J0 + t1], sqi, thr, colmin[t0:t1])
            nb += nb_seg
            t0 = t1
        below[ii] = nb
    if with_sums:
        for t in range(c_from, C):
            sums[J0 + t, cur] += colacc[t]


@compiled(nogil=True)
def _select(G, I0, J0, c_from, hd, hi, m, colmin, below, flag, cthr):
    """Offer the tile's squared distances to the kNN lists: rows against all columns (but themselves), columns
    ``>= c_from`` against all rows; only rows / columns with an entry below the list's current worst are scanned."""
    R, C = G.shape
    for ii in range(R):
        if below[ii] > 0:
            i = I0 + ii
            g, d, h = G[ii], hd[i], hi[i]
            for t in range(C):
                j = J0 + t
                if g[t] < d[m - 1] and j != i:
                    insert(d, h, m, g[t], j)
    # columns: the few whose minimum qualifies, scanned row by row (contiguous reads) rather than down the column
    n_flag = 0
    for t in range(c_from, C):
        if colmin[t] < hd[J0 + t, m - 1]:
            flag[n_flag] = t
            cthr[n_flag] = hd[J0 + t, m - 1]
            n_flag += 1
    if n_flag == 0:
        return
    for ii in range(R):
        g = G[ii]
        for f in range(n_flag):
            t = flag[f]
            if g[t] < cthr[f]:
                j = J0 + t
                insert(hd[j], hi[j], m, g[t], I0 + ii)
                cthr[f] = hd[j, m - 1]


@compiled(nogil=True)
def _fused(X, sq, cl, n_clusters, m, rows, cols, with_sums):
    n = X.shape[0]
    mm = max(m, 1)
    hd = np.full((n, mm), np.float32(3.0e38), dtype=np.float32)
    hi = np.full((n, mm), -1, dtype=np.int64)
    sums = np.zeros((n if with_sums else 1, n_clusters))
    cluster_stop = np.zeros(n_clusters, dtype=np.int64)
    for i in range(n):
        cluster_stop[cl[i]] = i + 1
    colacc = np.empty(cols, dtype=np.float32)
    colmin = np.empty(cols, dtype=np.float32)
    below = np.empty(rows, dtype=np.int64)
    flag = np.empty(cols, dtype=np.int64)
    cthr = np.empty(cols, dtype=np.float32)
    for I0 in range(0, n, rows):
        I1 = min(n, I0 + rows)
        A = X[I0:I1]
        # the first tile of a row block starts at its diagonal and is at least as wide as the block, so the pairs
        # inside the block are seen once as rows only (c_from) and every later pair once in both directions
        for J0 in range(I0, n, cols):
            J1 = min(n, J0 + cols)
            G = np.dot(A, X[J0:J1].T)
            c_from = 0
            if J0 == I0:
                c_from = I1 - I0
                for ii in range(I1 - I0):
                    G[ii, ii] = sq[I0 + ii]  # a cell's distance to itself: exactly 0
            _tile(G, sq, cl, I0, J0, c_from, with_sums, sums, colacc, colmin, below, hd, m, cluster_stop)
            if m > 0:
                _select(G, I0, J0, c_from, hd, hi, m, colmin, below, flag, cthr)
    return hd, hi, sums


def knn_cluster_sums_sorted(
    X: np.ndarray, cluster: np.ndarray | None, n_clusters: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Exact kNN lists and per-cluster euclidean distance sums of points sorted by cluster.

    Parameters
    ----------
    X
        ``(n, d)`` float32 points, centred (keeps ``|x|^2 + |y|^2 - 2xy`` accurate), rows sorted by ``cluster``.
    cluster
        ``(n,)`` non-decreasing cluster index of each row, or ``None`` for no sums.
    n_clusters
        Number of clusters (columns of the sums).
    k
        List length, the point itself included (``1 <= k <= n``).

    Returns
    -------
    ``(indices, distances, sums)``: ``(n, k)`` int64 row indices and float32 euclidean distances, self first then
    ascending; ``(n, n_clusters)`` float64 distance sums (``None`` without ``cluster``).
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = X.shape[0]
    sq = np.einsum("ij,ij->i", X, X)
    with_sums = cluster is not None
    cl = np.ascontiguousarray(cluster, dtype=np.int64) if with_sums else np.zeros(n, dtype=np.int64)
    if with_sums and np.any(np.diff(cl) < 0):
        raise ValueError("knn_cluster_sums_sorted: rows must be sorted by cluster; sort them with np.argsort first")
    hd, hi, sums = _fused(X, sq, cl, max(int(n_clusters), 1) if with_sums else 1, k - 1, ROWS, COLS, with_sums)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.zeros((n, k), dtype=np.float32)
    indices[:, 0] = np.arange(n)
    if k > 1:
        indices[:, 1:] = hi[:, : k - 1]
        distances[:, 1:] = np.sqrt(hd[:, : k - 1])
    return indices, distances, sums if with_sums else None
