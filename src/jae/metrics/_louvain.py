"""Louvain community detection that reproduces ``scanpy.tl.louvain`` (``louvain`` package 0.8, seed 0) exactly.

scib's NMI ran ``sc.tl.louvain`` with its defaults: the connectivities as a *directed, unweighted* graph (every
stored entry one edge of weight 1), the ``RBConfigurationVertexPartition`` quality (modularity with a resolution),
and ``louvain.find_partition(..., seed=0)``. That package needs igraph < 0.12, so it cannot be installed next to
current igraph. This module re-implements the same procedure so the clusterings come out identical:

* local moving: nodes visited in an order shuffled once per level by igraph's Mersenne Twister (seeded as igraph
  seeds it; bounded integers by Lemire's method), repeated sweeps until no node moves; each node goes to the
  neighbouring community with the largest gain (> 1e-10, ties to the lowest community id) or, when better and
  the node is not alone, to an empty community (a visit whose outcome a bound on the gains' drift already shows to
  be "stay" is skipped, which changes no move: late sweeps of a million-node graph cost little);
* after each level communities are renumbered by decreasing size, the graph is collapsed (one node per
  community, summed edge weights, self-loops kept) and the procedure repeats while a level improved the quality.

The arithmetic of the gain follows the same operation order, so ties resolve the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._compiled import compiled
from .._threads import usable_cpus
from ._mt19937 import _mt_integer, _mt_seed

__all__ = ["louvain_membership", "louvain_memberships"]

@compiled(nogil=True, inline="always")
def _diff_new(c, w_to, w_from, t_to, t_from, sw, kout, kin, resolution, total_w, symmetric):
    """(to-part) + (from-part) of the quality after moving the node into community ``c``, in the C++ code's
    operation order; with ``symmetric`` the two halves are equal and computed once."""
    if symmetric:
        half_new = w_to[c] + sw - resolution * kout * (t_from[c] + kout) / total_w
        return half_new + half_new
    return (w_to[c] + sw - resolution * kout * (t_to[c] + kin) / total_w) + (
        w_from[c] + sw - resolution * kin * (t_from[c] + kout) / total_w
    )


@compiled(nogil=True)
def _move_nodes(n, out_ptr, out_nb, out_w, in_ptr, in_nb, in_w, k_out, k_in, self_w, total_w, node_size,
                resolution, mt, symmetric, skip=True):
    """One level of local moving on a singleton partition; returns (improvement, renumbered membership).

    ``skip``: leave out the visits whose outcome is already known to be "stay". A visit that leaves a node in place
    records its margin (how far every candidate's gain is from a move). Until one of the node's neighbours moves,
    its gains change only through the community totals, by at most ``2 resolution (k_out + k_in) D / total_w``
    where ``D`` sums ``k_out + k_in`` over the moves since the visit; while the margin exceeds that bound (plus a
    rounding allowance far above double precision's), visiting would again keep the node in place with no side
    effect, so it is skipped. The moves, and so the memberships, are bit-identical to visiting every node; late
    sweeps of a large graph, where a few nodes move, then cost little.

    ``symmetric``: the edge list holds every edge in both directions with the same integer-valued weight (an
    unweighted symmetric graph and its collapsed graphs). Then the weights to and from a community, the in and out
    strengths and the community totals coincide exactly, the two halves of the gain are equal, and only the
    outgoing edges need visiting; the result is bit-identical to the general path.
    """
    eps = 1e-10
    memb = np.arange(n).astype(np.int32)  # 32-bit labels: less cache traffic in the random neighbour lookups
    n_comm = n
    cnodes = np.ones(n, dtype=np.int64)
    csize = node_size.copy()
    t_from = np.zeros(n)
    t_to = np.zeros(n)
    for v in range(n):  # edges in id order: sorted by (source, target)
        for j in range(out_ptr[v], out_ptr[v + 1]):
            t_from[memb[v]] += out_w[j]
            t_to[memb[out_nb[j]]] += out_w[j]
    empty = np.empty(n, dtype=np.int64)
    n_empty = 0
    w_to = np.zeros(n)
    w_from = np.zeros(n) if not symmetric else w_to
    seen = np.zeros(n, dtype=np.bool_)
    comms = np.empty(n, dtype=np.int32)

    order = np.arange(n)
    for idx in range(n - 1, 0, -1):
        j = _mt_integer(mt, 0, idx)
        tmp = order[idx]
        order[idx] = order[j]
        order[j] = tmp

    total = 0.0
    margin = np.full(n, -1.0)  # < 0: visit; else the gap of the last visit's gains to a move
    drift_at = np.zeros(n)  # the drift at that visit
    drift = 0.0  # sum of k_out + k_in over the moves so far
    slack = 1e-7  # rounding allowance of the bound: gains are O(degree), computed in double precision
    n_moves = 1 if total_w > 0.0 else 0  # no edges: every gain is 0 (as the C++ code returns), nothing moves
    while n_moves > 0:
        improv = 0.0
        n_moves = 0
        for v in order:
            v_comm = memb[v]
            if skip and margin[v] >= 0.0 and not (n_empty == 0 and cnodes[v_comm] > 1):
                bound = 2.0 * resolution * (k_out[v] + k_in[v]) * (drift - drift_at[v]) / total_w
                if margin[v] > bound + slack:
                    continue
            # neighbour communities and the weights to/from them, accumulated in incidence order
            n_c = 0
            for j in range(out_ptr[v], out_ptr[v + 1]):
                c = memb[out_nb[j]]
                w_to[c] += out_w[j]
                if not seen[c]:
                    seen[c] = True
                    comms[n_c] = c
                    n_c += 1
            if not symmetric:
                for j in range(in_ptr[v], in_ptr[v + 1]):
                    c = memb[in_nb[j]]
                    w_from[c] += in_w[j]
                    if not seen[c]:
                        seen[c] = True
                        comms[n_c] = c
                        n_c += 1
            kout = k_out[v]
            kin = k_in[v]
            sw = self_w[v]
            # gain = diff_new - diff_old with diff = (to-part) + (from-part), operation order as the C++ code
            if symmetric:
                half_old = w_to[v_comm] - resolution * kout * t_from[v_comm] / total_w
                diff_old = half_old + half_old
            else:
                diff_old = (w_to[v_comm] - resolution * kout * t_to[v_comm] / total_w) + (
                    w_from[v_comm] - resolution * kin * t_from[v_comm] / total_w
                )
            best = v_comm
            best_gain = 0.0
            gap = np.inf  # how far the gains are from a move: eps - gain (neighbours), -gain (the empty community)
            for i in range(n_c):  # best gain > eps; ties go to the lowest community id (an ascending scan)
                c = comms[i]
                if c == v_comm:
                    continue
                diff_new = _diff_new(c, w_to, w_from, t_to, t_from, sw, kout, kin, resolution, total_w, symmetric)
                gain = diff_new - diff_old
                gap = min(gap, eps - gain)
                if gain > eps and (gain > best_gain or (gain == best_gain and best != v_comm and c < best)):
                    best = c
                    best_gain = gain
            if cnodes[v_comm] > 1:
                if n_empty == 0:  # open a new, empty community
                    cnodes[n_comm] = 0
                    csize[n_comm] = 0
                    t_from[n_comm] = 0.0
                    t_to[n_comm] = 0.0
                    empty[n_empty] = n_comm
                    n_empty += 1
                    n_comm += 1
                c = empty[n_empty - 1]
                diff_new = _diff_new(c, w_to, w_from, t_to, t_from, sw, kout, kin, resolution, total_w, symmetric)
                gain = diff_new - diff_old
                gap = min(gap, -gain)
                if gain > best_gain:
                    best = c
                    best_gain = gain
            for i in range(n_c):  # reset the scratch arrays
                c = comms[i]
                w_to[c] = 0.0
                w_from[c] = 0.0
                seen[c] = False
            if best == v_comm:
                margin[v] = gap
                drift_at[v] = drift
            else:
                margin[v] = -1.0
                drift += kout + kin
                for j in range(out_ptr[v], out_ptr[v + 1]):  # the neighbours' weights to communities change
                    margin[out_nb[j]] = -1.0
                if not symmetric:
                    for j in range(in_ptr[v], in_ptr[v + 1]):
                        margin[in_nb[j]] = -1.0
                improv += best_gain
                cnodes[v_comm] -= 1
                csize[v_comm] -= node_size[v]
                if cnodes[v_comm] == 0:
                    empty[n_empty] = v_comm
                    n_empty += 1
                if cnodes[best] == 0:
                    for i in range(n_empty - 1, -1, -1):
                        if empty[i] == best:
                            for k in range(i, n_empty - 1):
                                empty[k] = empty[k + 1]
                            n_empty -= 1
                            break
                cnodes[best] += 1
                csize[best] += node_size[v]
                for j in range(out_ptr[v], out_ptr[v + 1]):
                    t_from[v_comm] -= out_w[j]
                    t_from[best] += out_w[j]
                if not symmetric:
                    for j in range(in_ptr[v], in_ptr[v + 1]):
                        t_to[v_comm] -= in_w[j]
                        t_to[best] += in_w[j]
                memb[v] = best
                n_moves += 1
        total += improv

    # renumber: larger total size first, then more nodes, then lower id
    perm = np.arange(n_comm)
    perm = perm[np.argsort(-cnodes[:n_comm], kind="mergesort")]  # stable sorts, last key first
    perm = perm[np.argsort(-csize[:n_comm][perm], kind="mergesort")]
    rank = np.empty(n_comm, dtype=np.int64)
    for i in range(n_comm):
        rank[perm[i]] = i
    out = np.empty(n, dtype=np.int64)
    for v in range(n):
        out[v] = rank[memb[v]]
    return total, out


@compiled(nogil=True)
def _group_by(keys, n_keys):
    """Stable counting sort: ``(ptr, order)`` with ``order[ptr[k]:ptr[k+1]]`` the positions of key ``k``."""
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    for x in keys:
        ptr[x + 1] += 1
    for k in range(n_keys):
        ptr[k + 1] += ptr[k]
    fill = ptr[:-1].copy()
    order = np.empty(len(keys), dtype=np.int64)
    for i in range(len(keys)):
        order[fill[keys[i]]] = i
        fill[keys[i]] += 1
    return ptr, order


@compiled(nogil=True)
def _collapse(src, dst, w, memb, n_comm):
    """Community graph: one edge per (community, community) pair, sorted, weights summed in edge-id order."""
    a = memb[src]
    ptr, order = _group_by(a, n_comm)  # edges grouped by source community, id order kept
    acc = np.zeros(n_comm)
    touched = np.zeros(n_comm, dtype=np.bool_)
    targets = np.empty(n_comm, dtype=np.int64)
    new_src = np.empty(len(src), dtype=np.int64)
    new_dst = np.empty(len(src), dtype=np.int64)
    new_w = np.empty(len(src))
    k = 0
    for c in range(n_comm):
        n_t = 0
        for i in order[ptr[c] : ptr[c + 1]]:
            b = memb[dst[i]]
            if not touched[b]:
                touched[b] = True
                acc[b] = w[i]
                targets[n_t] = b
                n_t += 1
            else:
                acc[b] += w[i]
        ts = np.sort(targets[:n_t])
        for b in ts:
            new_src[k] = c
            new_dst[k] = b
            new_w[k] = acc[b]
            touched[b] = False
            k += 1
    return new_src[:k], new_dst[:k], new_w[:k]


@compiled(nogil=True)
def _level_inputs(n, src, dst, w):
    """CSR out/in incidence (sorted by neighbour), strengths, self weights and total weight of an edge list."""
    out_ptr, _ = _group_by(src, n)  # edges are sorted by (src, dst) already
    in_ptr, in_order = _group_by(dst, n)  # stable: src order within each target
    in_nb = src[in_order].astype(np.int32)
    in_w = w[in_order]
    k_out = np.zeros(n)
    k_in = np.zeros(n)
    for v in range(n):
        s = 0.0
        for j in range(out_ptr[v], out_ptr[v + 1]):
            s += w[j]
        k_out[v] = s
        s = 0.0
        for j in range(in_ptr[v], in_ptr[v + 1]):
            s += in_w[j]
        k_in[v] = s
    self_w = np.zeros(n)
    total = 0.0
    for e in range(len(w)):
        total += w[e]
        if src[e] == dst[e]:
            self_w[src[e]] = w[e]
    return out_ptr, dst.astype(np.int32), w, in_ptr, in_nb, in_w, k_out, k_in, self_w, total


@dataclass(frozen=True)
class _Graph:
    """An edge list sorted by (source, target), ready for :func:`_run`."""

    n: int
    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    symmetric: bool
    level0: tuple


def _prepare(adjacency: sp.spmatrix, weighted: bool) -> _Graph:
    A = sp.csr_matrix(adjacency)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"louvain: the adjacency matrix must be square; got shape {A.shape}")
    A.sum_duplicates()
    A.sort_indices()
    A.eliminate_zeros()
    n = A.shape[0]
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(A.indptr))
    dst = A.indices.astype(np.int64)
    w = A.data.astype(np.float64) if weighted else np.ones(len(dst))
    pattern = (A != 0).astype(np.int8)
    symmetric = (not weighted) and (pattern != pattern.T).nnz == 0
    return _Graph(n, src, dst, w, bool(symmetric), _level_inputs(n, src, dst, w))


def _run(graph: _Graph, resolution: float, seed: int, skip: bool = True) -> np.ndarray:
    mt = _mt_seed(int(seed))
    membership = np.arange(graph.n, dtype=np.int64)  # level node of each original node
    sizes = np.ones(graph.n, dtype=np.int64)
    src, dst, w, args = graph.src, graph.dst, graph.w, graph.level0
    while True:
        n_level = len(sizes)
        if args is None:
            args = _level_inputs(n_level, src, dst, w)
        improv, level_memb = _move_nodes(n_level, *args, sizes, float(resolution), mt, graph.symmetric, skip)
        membership = level_memb[membership]
        n_comm = int(level_memb.max()) + 1
        sizes = np.bincount(level_memb, weights=sizes, minlength=n_comm).astype(np.int64)
        src, dst, w = _collapse(src, dst, w, level_memb, n_comm)
        args = None
        if not improv > 0:
            break
    # final renumbering by size (only the labels change)
    counts = np.bincount(membership)
    order = np.lexsort((np.arange(len(counts)), -counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[membership]


def louvain_membership(
    adjacency: sp.spmatrix, *, resolution: float = 1.0, seed: int = 0, weighted: bool = False
) -> np.ndarray:
    """Louvain communities of a graph, identical to ``scanpy.tl.louvain(adata, resolution, random_state=seed)``.

    Parameters
    ----------
    adjacency
        ``(n, n)`` sparse matrix; each stored non-zero entry ``(i, j)`` is a directed edge ``i -> j``.
    resolution
        Resolution parameter of the modularity (RB configuration) quality.
    seed
        Random seed (scanpy's default ``random_state=0``).
    weighted
        Use the entries as edge weights (scanpy's default ``use_weights=False``: every edge weighs 1).

    Returns
    -------
    ``(n,)`` int64 community labels, 0 for the largest community.
    """
    return _run(_prepare(adjacency, weighted), resolution, seed)


def louvain_memberships(
    adjacency: sp.spmatrix,
    resolutions: Sequence[float],
    *,
    seed: int = 0,
    weighted: bool = False,
    n_jobs: int | None = None,
) -> list[np.ndarray]:
    """:func:`louvain_membership` at several resolutions, sharing the graph set-up, in parallel threads.

    Parameters
    ----------
    adjacency, seed, weighted
        As in :func:`louvain_membership`.
    resolutions
        Resolutions to cluster at.
    n_jobs
        Threads (the compiled loops release the GIL); default: the usable CPUs (:func:`jae._threads.usable_cpus`:
        ``NUMBA_NUM_THREADS`` or the CPU affinity, at most a Slurm job's or a CPU quota's).

    Returns
    -------
    One ``(n,)`` label array per resolution, in order.
    """
    graph = _prepare(adjacency, weighted)
    if n_jobs is None:
        n_jobs = usable_cpus()
    n_jobs = max(1, min(int(n_jobs), len(resolutions)))
    if n_jobs == 1:
        return [_run(graph, r, seed) for r in resolutions]
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        return list(pool.map(lambda r: _run(graph, r, seed), resolutions))
