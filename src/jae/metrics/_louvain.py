"""Louvain community detection that reproduces ``scanpy.tl.louvain`` (``louvain`` package 0.8, seed 0) exactly.

scib's NMI ran ``sc.tl.louvain`` with its defaults: the connectivities as a *directed, unweighted* graph (every
stored entry one edge of weight 1), the ``RBConfigurationVertexPartition`` quality (modularity with a resolution),
and ``louvain.find_partition(..., seed=0)``. That package needs igraph < 0.12, so it cannot be installed next to
current igraph. This module re-implements the same procedure so the clusterings come out identical:

* local moving: nodes visited in an order shuffled once per level by igraph's Mersenne Twister (seeded as igraph
  seeds it; bounded integers by Lemire's method), repeated sweeps until no node moves; each node goes to the
  neighbouring community with the largest gain (> 1e-10, ties to the lowest community id) or, when better and
  the node is not alone, to an empty community;
* after each level communities are renumbered by decreasing size, the graph is collapsed (one node per
  community, summed edge weights, self-loops kept) and the procedure repeats while a level improved the quality.

The arithmetic of the gain follows the same operation order, so ties resolve the same way.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

__all__ = ["louvain_membership"]

_N = 624
_M = 397


@numba.njit(cache=True)
def _mt_seed(seed):
    mt = np.zeros(_N + 1, dtype=np.uint64)  # last slot holds the position
    s = np.uint64(4357 if seed == 0 else seed) & np.uint64(0xFFFFFFFF)
    mt[0] = s
    for i in range(1, _N):
        prev = mt[i - 1]
        mt[i] = (np.uint64(1812433253) * (prev ^ (prev >> np.uint64(30))) + np.uint64(i)) & np.uint64(0xFFFFFFFF)
    mt[_N] = _N
    return mt


@numba.njit(cache=True)
def _mt_next(mt):
    upper, lower = np.uint64(0x80000000), np.uint64(0x7FFFFFFF)
    magic = np.uint64(0x9908B0DF)
    if mt[_N] >= _N:
        for k in range(_N):
            y = (mt[k] & upper) | (mt[(k + 1) % _N] & lower)
            v = mt[(k + _M) % _N] ^ (y >> np.uint64(1))
            if y & np.uint64(1):
                v ^= magic
            mt[k] = v
        mt[_N] = 0
    y = mt[mt[_N]]
    mt[_N] += 1
    y ^= y >> np.uint64(11)
    y ^= (y << np.uint64(7)) & np.uint64(0x9D2C5680)
    y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
    y ^= y >> np.uint64(18)
    return y & np.uint64(0xFFFFFFFF)


@numba.njit(cache=True)
def _mt_integer(mt, low, high):
    """Uniform integer in [low, high], as igraph_rng_get_integer (Lemire's debiased multiplication)."""
    if high == low:
        return low
    r = np.uint64(high - low + 1)
    t = ((np.uint64(1) << np.uint64(32)) - r) % r
    while True:
        x = _mt_next(mt)
        m = x * r
        if (m & np.uint64(0xFFFFFFFF)) >= t:
            return low + np.int64(m >> np.uint64(32))


@numba.njit(cache=True)
def _move_nodes(n, out_ptr, out_nb, out_w, in_ptr, in_nb, in_w, k_out, k_in, self_w, total_w, node_size,
                resolution, mt, memb):
    """One level of local moving on a singleton partition; returns (improvement, renumbered membership)."""
    eps = 1e-10
    for v in range(n):
        memb[v] = v
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
    w_from = np.zeros(n)
    seen = np.zeros(n, dtype=np.bool_)
    comms = np.empty(n, dtype=np.int64)

    order = np.arange(n)
    for idx in range(n - 1, 0, -1):
        j = _mt_integer(mt, 0, idx)
        tmp = order[idx]
        order[idx] = order[j]
        order[j] = tmp

    total = 0.0
    n_moves = 1
    while n_moves > 0:
        improv = 0.0
        n_moves = 0
        for v in order:
            v_comm = memb[v]
            # neighbour communities and the weights to/from them, accumulated in incidence order
            n_c = 0
            for j in range(out_ptr[v], out_ptr[v + 1]):
                c = memb[out_nb[j]]
                w_to[c] += out_w[j]
                if not seen[c]:
                    seen[c] = True
                    comms[n_c] = c
                    n_c += 1
            for j in range(in_ptr[v], in_ptr[v + 1]):
                c = memb[in_nb[j]]
                w_from[c] += in_w[j]
                if not seen[c]:
                    seen[c] = True
                    comms[n_c] = c
                    n_c += 1
            cand = np.sort(comms[:n_c])
            kout = k_out[v]
            kin = k_in[v]
            sw = self_w[v]
            w_to_old = w_to[v_comm]
            w_from_old = w_from[v_comm]
            K_out_old = t_from[v_comm]
            K_in_old = t_to[v_comm]
            diff_old = (w_to_old - resolution * kout * K_in_old / total_w) + (
                w_from_old - resolution * kin * K_out_old / total_w
            )
            best = v_comm
            best_gain = 0.0
            for i in range(n_c):
                c = cand[i]
                if c == v_comm:
                    continue
                K_out_new = t_from[c] + kout
                K_in_new = t_to[c] + kin
                diff_new = (w_to[c] + sw - resolution * kout * K_in_new / total_w) + (
                    w_from[c] + sw - resolution * kin * K_out_new / total_w
                )
                gain = diff_new - diff_old
                if gain > best_gain and gain > eps:
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
                K_out_new = t_from[c] + kout
                K_in_new = t_to[c] + kin
                diff_new = (w_to[c] + sw - resolution * kout * K_in_new / total_w) + (
                    w_from[c] + sw - resolution * kin * K_out_new / total_w
                )
                gain = diff_new - diff_old
                if gain > best_gain:
                    best = c
                    best_gain = gain
            for i in range(n_c):  # reset the scratch arrays
                c = comms[i]
                w_to[c] = 0.0
                w_from[c] = 0.0
                seen[c] = False
            if best != v_comm:
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
                for j in range(in_ptr[v], in_ptr[v + 1]):
                    t_to[v_comm] -= in_w[j]
                    t_to[best] += in_w[j]
                memb[v] = best
                n_moves += 1
        total += improv

    # renumber: larger total size first, then more nodes, then lower id
    keys = np.empty((n_comm, 3), dtype=np.int64)
    for c in range(n_comm):
        keys[c, 0] = -csize[c]
        keys[c, 1] = -cnodes[c]
        keys[c, 2] = c
    rank = np.empty(n_comm, dtype=np.int64)
    perm = np.arange(n_comm)
    # lexicographic sort of (size desc, nodes desc, id asc): stable sorts from the last key to the first
    perm = perm[np.argsort(keys[perm, 2], kind="mergesort")]
    perm = perm[np.argsort(keys[perm, 1], kind="mergesort")]
    perm = perm[np.argsort(keys[perm, 0], kind="mergesort")]
    for i in range(n_comm):
        rank[perm[i]] = i
    out = np.empty(n, dtype=np.int64)
    for v in range(n):
        out[v] = rank[memb[v]]
    return total, out


@numba.njit(cache=True)
def _collapse(src, dst, w, memb, n_comm):
    """Community graph: one edge per (community, community) pair, weights summed in edge order."""
    m = len(src)
    key = memb[src] * n_comm + memb[dst]
    order = np.argsort(key, kind="mergesort")
    new_src = np.empty(m, dtype=np.int64)
    new_dst = np.empty(m, dtype=np.int64)
    new_w = np.empty(m)
    k = -1
    last = -1
    for i in order:
        if key[i] != last:
            k += 1
            last = key[i]
            new_src[k] = key[i] // n_comm
            new_dst[k] = key[i] % n_comm
            new_w[k] = w[i]
        else:
            new_w[k] += w[i]
    return new_src[: k + 1], new_dst[: k + 1], new_w[: k + 1]


def _level_inputs(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray):
    """CSR out/in incidence (sorted by neighbour), strengths, self weights and total weight of an edge list."""
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(out_ptr, src + 1, 1)
    out_ptr = np.cumsum(out_ptr)
    in_order = np.argsort(dst, kind="stable")  # edges are sorted by (src, dst): stable sort keeps src order
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(in_ptr, dst + 1, 1)
    in_ptr = np.cumsum(in_ptr)
    k_out = _ordered_sums(out_ptr, w)
    k_in = _ordered_sums(in_ptr, w[in_order])
    self_w = np.zeros(n)
    loops = src == dst
    self_w[src[loops]] = w[loops]
    return out_ptr, dst, w, in_ptr, src[in_order], w[in_order], k_out, k_in, self_w, _sequential_sum(w)


@numba.njit(cache=True)
def _ordered_sums(ptr, w):
    out = np.zeros(len(ptr) - 1)
    for v in range(len(ptr) - 1):
        s = 0.0
        for j in range(ptr[v], ptr[v + 1]):
            s += w[j]
        out[v] = s
    return out


@numba.njit(cache=True)
def _sequential_sum(w):
    s = 0.0
    for x in w:
        s += x
    return s


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
    A = sp.csr_matrix(adjacency)
    A.sum_duplicates()
    A.sort_indices()
    A.eliminate_zeros()
    n = A.shape[0]
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(A.indptr))
    dst = A.indices.astype(np.int64)
    w = A.data.astype(np.float64) if weighted else np.ones(len(dst))
    mt = _mt_seed(int(seed))
    membership = np.arange(n, dtype=np.int64)  # level-0 node of each original node
    sizes = np.ones(n, dtype=np.int64)
    while True:
        n_level = len(sizes)
        args = _level_inputs(n_level, src, dst, w)
        level_memb = np.empty(n_level, dtype=np.int64)
        improv, level_memb = _move_nodes(n_level, *args, sizes, float(resolution), mt, level_memb)
        membership = level_memb[membership]
        n_comm = int(level_memb.max()) + 1
        sizes = np.bincount(level_memb, weights=sizes, minlength=n_comm).astype(np.int64)
        src, dst, w = _collapse(src, dst, w, level_memb, n_comm)
        if not improv > 0:
            break
    # final renumbering by size (only the labels change)
    counts = np.bincount(membership)
    order = np.lexsort((np.arange(len(counts)), -counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[membership]
