"""Local inverse Simpson's index (LISI): batch mixing (iLISI) and cell-type separation (cLISI) around each cell.

For every cell, neighbour weights ``exp(-beta * d)`` are calibrated by a binary search on ``beta`` until their
entropy equals ``log(perplexity)`` (perplexity: the effective number of neighbours, a third of the list length by
default); the cell's LISI is the inverse Simpson index ``1 / sum_l p_l^2`` of the label shares ``p_l`` under those
weights: 1 when all weight sits on one label, ``n_labels`` when the labels are evenly mixed. The score is the
median over cells, scaled to [0, 1] as in scib (higher is better for both): iLISI ``(median - 1) / (n_batches - 1)``,
cLISI ``(n_types - median) / (n_types - 1)``.

Two neighbourhoods, two definitions:

``neighbors='graph'`` (default; scib 1.1.7's ``ilisi_graph`` / ``clisi_graph``, the scib version the suite follows)
    The 90 cells nearest by shortest path on the 15-neighbour UMAP connectivity graph (the graph the suite's NMI and
    graph connectivity already use), with each edge's connectivity as its length, as scib's path search reads it.
``neighbors='knn'`` (scib-metrics' ``ilisi_knn`` / ``clisi_knn``)
    The 90 exact euclidean nearest neighbours in the embedding, the cell itself given no weight.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from .._compiled import compiled
from .._flags import check_flags, is_whole
from ._graph import NeighborGraph, _as_float_matrix, check_graph, check_scored_cells, knn, neighbor_graph
from ._labels import as_labels, by_cells, codes

__all__ = ["lisi", "ilisi", "clisi", "shortest_path_neighbors", "lisi_neighbors", "LISI_NEIGHBORS"]

log = logging.getLogger(__name__)

#: Neighbours per cell for LISI (scib's ``k0`` and scib-metrics' default), perplexity a third of it.
LISI_NEIGHBORS = 90
_MAX_TRIES = 50  # binary-search steps per cell (scib)
_TOL = 1e-5  # entropy tolerance of the search (scib)


@compiled(nogil=True)
def _shortest_path_knn(indptr, nbrs, lengths, k, heap_size):
    """Dijkstra from every node, stopped once ``k`` other nodes are settled; -1 / inf pad unreachable slots.

    The frontier is a binary min-heap with stale entries skipped on pop; ``heap_size`` bounds the pushes per source
    (one per edge of a settled node, plus the source).
    """
    n = indptr.size - 1
    out_idx = np.full((n, k), -1, np.int64)
    out_dist = np.full((n, k), np.inf, np.float64)
    best = np.full(n, np.inf)
    seen = np.full(n, -1, np.int64)  # best[v] holds a tentative distance from source s when seen[v] == s
    settled = np.full(n, -1, np.int64)  # v's distance from s is final when settled[v] == s
    hd = np.empty(heap_size, np.float64)
    hv = np.empty(heap_size, np.int64)
    bound = np.empty(k, np.float64)  # max-heap of the first tentative distances of up to k distinct nodes
    for s in range(n):
        hd[0], hv[0], size = 0.0, s, 1
        seen[s] = s
        best[s] = 0.0
        found = 0
        n_bound = 0
        limit = np.inf  # the k-th nearest is no farther than k distinct nodes already reached: prune beyond
        while size > 0:
            d, v = hd[0], hv[0]  # pop the nearest: move the last entry down from the root
            size -= 1
            last_d, last_v = hd[size], hv[size]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= size:
                    break
                if c + 1 < size and hd[c + 1] < hd[c]:
                    c += 1
                if hd[c] >= last_d:
                    break
                hd[i], hv[i] = hd[c], hv[c]
                i = c
            if size > 0:
                hd[i], hv[i] = last_d, last_v
            if settled[v] == s or d > best[v]:
                continue  # a stale entry
            settled[v] = s
            if v != s:
                out_idx[s, found] = v
                out_dist[s, found] = d
                found += 1
                if found == k:
                    break
            for e in range(indptr[v], indptr[v + 1]):
                u = nbrs[e]
                if settled[u] == s:
                    continue
                nd = d + lengths[e]
                if nd > limit:
                    continue
                if seen[u] != s:
                    if n_bound < k:  # a new node: its distance so far joins the bound
                        i = n_bound
                        n_bound += 1
                        while i > 0:
                            p = (i - 1) // 2
                            if bound[p] >= nd:
                                break
                            bound[i] = bound[p]
                            i = p
                        bound[i] = nd
                    elif nd < bound[0]:
                        i = 0
                        while True:
                            c = 2 * i + 1
                            if c >= k:
                                break
                            if c + 1 < k and bound[c + 1] > bound[c]:
                                c += 1
                            if bound[c] <= nd:
                                break
                            bound[i] = bound[c]
                            i = c
                        bound[i] = nd
                    if n_bound == k:
                        limit = bound[0]
                if seen[u] != s or nd < best[u]:
                    seen[u] = s
                    best[u] = nd
                    i = size  # push: move up from the end
                    size += 1
                    while i > 0:
                        p = (i - 1) // 2
                        if hd[p] <= nd:
                            break
                        hd[i], hv[i] = hd[p], hv[p]
                        i = p
                    hd[i], hv[i] = nd, u
    return out_idx, out_dist


def _check_lists_args(n_neighbors, perplexity=None) -> None:
    """Refuse in one line, before any neighbour list is built, ``n_neighbors`` that is no whole number >= 1 (-3
    failed in numpy, 2.5 in a range, True made lists of one) and ``perplexity`` that is no positive number."""
    if not is_whole(n_neighbors, 1):
        raise ValueError(f"n_neighbors must be a whole number >= 1 of neighbours per cell (scib: {LISI_NEIGHBORS}), "
                         f"not {n_neighbors!r}")
    if perplexity is not None and (isinstance(perplexity, bool) or not isinstance(perplexity, numbers.Real)
                                   or not perplexity > 0 or not np.isfinite(perplexity)):
        raise ValueError(f"perplexity must be a positive number (the effective neighbours per cell) or None for a "
                         f"third of n_neighbors, not {perplexity!r}")


def shortest_path_neighbors(
    connectivities: sp.spmatrix, *, n_neighbors: int = LISI_NEIGHBORS
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_neighbors`` cells nearest to each cell by shortest path on a connectivity graph (scib's graph LISI).

    Each edge's length is its connectivity value, as scib's path search reads the graph (stronger links are
    longer; scib's choice, kept for faithfulness).

    Parameters
    ----------
    connectivities
        ``(n_cells, n_cells)`` sparse symmetric graph, e.g. :attr:`NeighborGraph.connectivities`.
    n_neighbors
        Neighbours per cell, the cell itself excluded.

    Returns
    -------
    ``(indices, distances)``: ``(n_cells, n_neighbors)`` int64 and float64 arrays sorted by path length; a cell that
    reaches fewer others has its list padded with -1 and ``inf``.
    """
    _check_lists_args(n_neighbors)
    C = sp.csr_matrix(connectivities, dtype=np.float64, copy=True)
    if C.shape[0] != C.shape[1]:
        raise ValueError(f"connectivities must be square (n_cells, n_cells); got shape {C.shape}")
    C.sum_duplicates()
    if C.nnz and C.data.min() < 0:
        raise ValueError("connectivities must be non-negative (they are used as path lengths)")
    C.data = np.maximum(C.data, 3e-308)  # scib: every stored entry is an edge, of length at least 3e-308
    n = C.shape[0]
    if n == 0:
        return np.empty((0, n_neighbors), np.int64), np.empty((0, n_neighbors), np.float64)
    degree = np.diff(C.indptr)
    heap_size = int(np.sort(degree)[-(n_neighbors + 1):].sum()) + 1
    # a bandwidth-reducing order keeps each search's nodes close in memory (about 2.5x faster at 70k cells)
    order = reverse_cuthill_mckee(C, symmetric_mode=True).astype(np.int64)
    Cp = C[order][:, order].tocsr()
    Cp.sort_indices()
    idx, dist = _shortest_path_knn(
        Cp.indptr.astype(np.int64), Cp.indices.astype(np.int64), Cp.data.astype(np.float64), int(n_neighbors), heap_size
    )
    del C, Cp
    # back to the input's cell order, one (n_cells, n_neighbors) array at a time (at a million cells each is 0.7 GB)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    dist = dist[inverse]
    idx = idx[inverse]
    missing = idx < 0
    np.maximum(idx, 0, out=idx)
    idx = order[idx]
    idx[missing] = -1
    return idx, dist


@compiled(nogil=True)
def _entropy(dist, use, beta, P):
    """Fill ``P`` with the normalised weights ``exp(-beta d)`` of the used entries; return their entropy (0 if none)."""
    total = 0.0
    weighted = 0.0
    for j in range(dist.size):
        if use[j]:
            P[j] = np.exp(-dist[j] * beta)
            total += P[j]
            weighted += dist[j] * P[j]
        else:
            P[j] = 0.0
    if total == 0.0:
        return 0.0
    for j in range(dist.size):
        P[j] /= total
    return np.log(total) + beta * weighted / total


@compiled(nogil=True)
def _weights(dist, use, perplexity, tol, max_tries):
    """Per row, the weights ``exp(-beta d)`` (normalised) whose entropy is ``log(perplexity)``, by scib's binary
    search on ``beta``; a row whose weights all vanish is flagged (scib's ``H == 0``)."""
    n, k = dist.shape
    P = np.zeros((n, k))
    vanished = np.zeros(n, np.bool_)
    target = np.log(perplexity)
    for i in range(n):
        beta, lo, hi = 1.0, -np.inf, np.inf
        H = _entropy(dist[i], use[i], beta, P[i])
        tries = 0
        while abs(H - target) > tol and tries < max_tries:
            if H > target:  # too flat: sharpen
                lo = beta
                beta = beta * 2.0 if hi == np.inf else (beta + hi) / 2.0
            else:
                hi = beta
                beta = beta / 2.0 if lo == -np.inf else (beta + lo) / 2.0
            H = _entropy(dist[i], use[i], beta, P[i])
            tries += 1
        vanished[i] = H == 0.0
    return P, vanished


@compiled(nogil=True)
def _simpson(P, labels, n_labels):
    """Per row, the sum of squared label shares under the weights ``P``."""
    n, k = P.shape
    out = np.empty(n)
    shares = np.empty(n_labels)
    for i in range(n):
        shares[:] = 0.0
        for j in range(k):
            shares[labels[i, j]] += P[i, j]
        out[i] = (shares * shares).sum()
    return out


class _Calibrated:
    """Neighbour lists with their calibrated weights: LISI of any labelling without a second search."""

    def __init__(self, indices: np.ndarray, distances: np.ndarray, perplexity: float | None, tol: float):
        indices = np.asarray(indices, dtype=np.int64)
        distances = np.asarray(distances, dtype=np.float64)
        if indices.ndim != 2 or indices.shape != distances.shape:
            raise ValueError(f"indices and distances must be matching (n_cells, k) arrays; got {indices.shape} and "
                             f"{distances.shape}")
        n, k = indices.shape
        if perplexity is None:
            perplexity = float(np.floor(k / 3))
        if not perplexity > 0:
            raise ValueError(f"perplexity must be positive; got {perplexity} (lists of {k} neighbours are too short)")
        filled = indices >= 0
        counts = filled.sum(axis=1)
        self.short = counts < (counts.max() if n else 0)  # scib: fewer neighbours than the others -> score 1
        use = filled & (indices != np.arange(n)[:, None]) & np.isfinite(distances)
        self.weights, self.vanished = _weights(distances, use, float(perplexity), float(tol), _MAX_TRIES)
        self.indices = indices if filled.all() else np.where(filled, indices, 0)  # read only: no copy when full
        if self.short.any():
            log.debug("lisi: %d of %d cells reach fewer neighbours than the others and score 1", self.short.sum(), n)

    def lisi(self, labels: Sequence) -> np.ndarray:
        """``(n_cells,)`` LISI of ``labels``."""
        labels = as_labels(labels, name="labels", n_cells=self.indices.shape[0])
        names, label_codes = codes(labels)
        small = label_codes.astype(np.int32) if len(names) < 2**31 else label_codes  # half the (n, k) gather
        simpson = _simpson(self.weights, small[self.indices], len(names))
        simpson[self.vanished] = -1.0  # scib's marker for a cell whose weights all vanished
        simpson[self.short] = 1.0
        return 1.0 / simpson


def lisi(
    indices: np.ndarray, distances: np.ndarray, labels: Sequence, *, perplexity: float | None = None, tol: float = _TOL
) -> np.ndarray:
    """Per-cell LISI of ``labels`` over given neighbour lists.

    Parameters
    ----------
    indices
        ``(n_cells, k)`` neighbour indices; entries equal to the row's own index get no weight (scib-metrics), -1
        marks an empty slot. A row with fewer filled slots than the fullest row scores 1 (scib's rule for cells that
        reach too few neighbours on the graph).
    distances
        ``(n_cells, k)`` distances matching ``indices``.
    labels
        ``(n_cells,)`` labels (batch for iLISI, cell type for cLISI).
    perplexity
        Effective number of neighbours; default ``floor(k / 3)`` (30 for 90 neighbours).
    tol
        Tolerance on the entropy in the binary search (scib: 1e-5, at most 50 steps).

    Returns
    -------
    ``(n_cells,)`` float64 LISI values in [1, n_labels]; -1 for a cell whose weights all underflow (as scib).
    """
    return _Calibrated(indices, distances, perplexity, tol).lisi(labels)


def lisi_neighbors(
    embedding=None,
    *,
    neighbors: Literal["graph", "knn"] = "graph",
    n_neighbors: int = LISI_NEIGHBORS,
    graph: NeighborGraph | None = None,
    device: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The neighbour lists LISI is computed on (compute once, reuse for iLISI and cLISI).

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array; for ``neighbors='graph'`` it may be omitted when ``graph`` is given.
    neighbors
        ``'graph'``: shortest paths on the 15-neighbour UMAP graph (scib); ``'knn'``: euclidean kNN (scib-metrics).
    n_neighbors
        List length (90 in scib and scib-metrics).
    graph
        Precomputed :func:`jae.metrics.neighbor_graph` of the embedding (``'graph'`` only).
    device
        Torch device for the kNN search.

    Returns
    -------
    ``(indices, distances)``, ``(n_cells, n_neighbors)`` each, for :func:`lisi`.
    """
    _check_lists_args(n_neighbors)
    check_graph(graph)
    if neighbors == "graph":
        if graph is None:
            if embedding is None:
                raise ValueError("lisi_neighbors: pass the embedding or its neighbor_graph(...)")
            graph = neighbor_graph(embedding, device=device)
        return shortest_path_neighbors(graph.connectivities, n_neighbors=n_neighbors)
    if neighbors == "knn":
        if embedding is None:
            raise ValueError("lisi_neighbors: neighbors='knn' needs the embedding itself")
        E = _as_float_matrix(embedding)
        return knn(E, n_neighbors=min(n_neighbors, E.shape[0]), device=device)
    raise ValueError(f"neighbors must be 'graph' or 'knn'; got {neighbors!r}")


def _n_cells(embedding, neighbors, graph, lists) -> int | None:
    """The number of cells the neighbour lists will have (None when unknown): the labels are checked against it
    before the lists are built, naming the argument."""
    check_graph(graph)
    if lists is not None:
        return int(np.shape(lists[0])[0])
    if graph is not None and neighbors == "graph":
        return graph.n_cells
    shape = getattr(embedding, "shape", None) if embedding is not None else None
    return int(shape[0]) if shape is not None and len(shape) else None


def _scaled_median(values: np.ndarray, n_labels: int, kind: Literal["ilisi", "clisi"]) -> float:
    median = float(np.nanmedian(values))
    if n_labels < 2:
        return float("nan")
    if kind == "ilisi":
        return (median - 1.0) / (n_labels - 1.0)
    return (n_labels - median) / (n_labels - 1.0)


def _lisi_score(embedding, values: Sequence, kind: Literal["ilisi", "clisi"], *, neighbors, n_neighbors: int,
                perplexity: float | None, scale: bool, graph, lists, device) -> float:
    """:func:`ilisi` / :func:`clisi`: median per-cell LISI of the labels ``values`` (batches for ilisi, cell types
    for clisi), scaled as ``kind`` when ``scale``."""
    check_flags(scale=scale)  # a text such as 'no' would scale the score
    name = "batch" if kind == "ilisi" else "cell_type"
    labels = as_labels(by_cells(embedding, values, name), name=name,
                       n_cells=_n_cells(embedding, neighbors, graph, lists))  # before the lists, naming it
    _check_lists_args(n_neighbors, perplexity)
    check_scored_cells(len(labels), kind)  # 10 cells scored ilisi 0.98: a graph joining every cell to the others
    if scale and len(np.unique(labels)) < 2:  # checked before the neighbour lists: (n - 1) scales the score
        log.warning("%s is undefined for a single %s (the score is scaled by their number - 1); reporting NaN", kind,
                    "batch" if kind == "ilisi" else "cell type")
        return float("nan")
    if lists is None:
        lists = lisi_neighbors(embedding, neighbors=neighbors, n_neighbors=n_neighbors, graph=graph, device=device)
    per_cell = lisi(*lists, labels, perplexity=perplexity)
    return _scaled_median(per_cell, len(np.unique(labels)), kind) if scale else float(np.nanmedian(per_cell))


def ilisi(
    embedding,
    batch: Sequence,
    *,
    neighbors: Literal["graph", "knn"] = "graph",
    n_neighbors: int = LISI_NEIGHBORS,
    perplexity: float | None = None,
    scale: bool = True,
    graph: NeighborGraph | None = None,
    lists: tuple[np.ndarray, np.ndarray] | None = None,
    device: str | None = None,
) -> float:
    """Integration LISI: how evenly the batches mix around each cell (scib's ``ilisi_graph``).

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array; may be None when ``graph`` (with ``neighbors='graph'``) or ``lists`` is given.
    batch
        ``(n_cells,)`` batch labels.
    neighbors
        ``'graph'`` (scib) or ``'knn'`` (scib-metrics); see the module docstring.
    n_neighbors
        Neighbours per cell (90).
    perplexity
        Effective neighbourhood size; default a third of ``n_neighbors``.
    scale
        Scale the median to [0, 1] as ``(median - 1) / (n_batches - 1)``; False returns the median LISI.
    graph
        Precomputed :func:`jae.metrics.neighbor_graph` of the embedding.
    lists
        Precomputed :func:`lisi_neighbors` (overrides ``neighbors`` and ``graph``).
    device
        Torch device for the kNN search.

    Returns
    -------
    Scaled score in [0, 1] (1: batches mixed in proportion to their number), or the median LISI in
    [1, n_batches]; NaN for a single batch when scaled.
    """
    return _lisi_score(embedding, batch, "ilisi", neighbors=neighbors, n_neighbors=n_neighbors,
                       perplexity=perplexity, scale=scale, graph=graph, lists=lists, device=device)


def clisi(
    embedding,
    cell_type: Sequence,
    *,
    neighbors: Literal["graph", "knn"] = "graph",
    n_neighbors: int = LISI_NEIGHBORS,
    perplexity: float | None = None,
    scale: bool = True,
    graph: NeighborGraph | None = None,
    lists: tuple[np.ndarray, np.ndarray] | None = None,
    device: str | None = None,
) -> float:
    """Cell-type LISI: how pure each cell's neighbourhood is in cell types (scib's ``clisi_graph``).

    Parameters are those of :func:`ilisi`, with ``cell_type`` the ``(n_cells,)`` labels.

    Returns
    -------
    Scaled score ``(n_types - median) / (n_types - 1)`` in [0, 1] (1: every neighbourhood holds one type), or the
    median LISI in [1, n_types]; NaN for a single cell type when scaled.
    """
    return _lisi_score(embedding, cell_type, "clisi", neighbors=neighbors, n_neighbors=n_neighbors,
                       perplexity=perplexity, scale=scale, graph=graph, lists=lists, device=device)
