"""The kNN graph of an embedding, computed once and shared by the graph metrics.

Reproduces ``scanpy.pp.neighbors(adata, use_rep=...)`` with its defaults (15 neighbours including the cell itself,
euclidean, UMAP fuzzy-simplicial-set connectivities), which is what scib's NMI, graph connectivity and trajectory
conservation run on. Neighbours are exact by default up to :data:`APPROXIMATE_MIN_CELLS` cells (chunked distance
blocks in torch, on the GPU when there is one, or a cache-blocked CPU kernel) and approximate above it
(jae's own search, :mod:`jae.metrics._knn_approx`: a k-means inverted file refined by nearest-neighbour descent,
seeded: the same seed gives the same graph, whatever the thread count);
``knn='exact'`` or ``knn='approximate'`` forces either. scanpy is exact below 4,096 cells and approximate above.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp

from .._device import usable_device as resolve_device  # a device torch cannot use here: one line naming the fix
from .._flags import is_whole
from .._neighbours import MIN_SCORED_CELLS, N_NEIGHBORS  # one source with jae.evaluate's floor
from ._labels import as_labels, by_cells

if TYPE_CHECKING:  # torch is imported where the distance blocks are computed: reading this module loads none
    import torch

__all__ = [
    "NeighborGraph",
    "neighbor_graph",
    "knn",
    "knn_and_cluster_sums",
    "umap_connectivities",
    "resolve_device",
    "distance_blocks",
    "resolve_knn",
    "KNN_MODES",
    "APPROXIMATE_MIN_CELLS",
    "check_graph",
    "graph_neighbors",
]

log = logging.getLogger(__name__)

_BLOCK_ENTRIES = 1 << 25  # distance entries per block (128 MiB of float32)
#: From this many cells on, the CPU pass uses the cache-blocked kernel of :mod:`jae.metrics._knn_cpu` (each pair
#: visited once, ~5x faster at 70k cells); below, the torch blocks (the path the scib oracle values were checked on;
#: both are exact, they may order neighbours at float32 ties differently). scanpy switches to approximate
#: neighbours at the same size.
FUSED_MIN_CELLS = 4096
#: The same kernel computes silhouette distance sums (no neighbour lists, no ties to order) from this many cells on.
FUSED_MIN_SUMS = 1024
#: ``knn='auto'`` computes neighbours exactly up to this many cells and approximately above. The exact pass costs
#: O(n^2): ~20 s CPU at 70k cells, ~2 h at 1M; the approximate graph's metrics stay within 0.01 of the exact ones at
#: 70k cells (benchmarks/results/scale.md, "Metrics").
APPROXIMATE_MIN_CELLS = 100_000
#: Accepted values of ``knn``.
KNN_MODES = ("auto", "exact", "approximate")
KnnMode = Literal["auto", "exact", "approximate"]


def resolve_knn(knn: str, n_cells: int) -> Literal["exact", "approximate"]:
    """``'exact'`` or ``'approximate'`` for ``knn`` (``'auto'``: approximate above :data:`APPROXIMATE_MIN_CELLS`).

    Raises
    ------
    ValueError
        For any other value, in one line naming the accepted ones.
    """
    if knn not in KNN_MODES:
        raise ValueError(f"knn must be one of 'auto', 'exact', 'approximate'; got {knn!r}")
    if knn == "auto":
        return "approximate" if n_cells > APPROXIMATE_MIN_CELLS else "exact"
    return knn


def graph_neighbors(n_cells: int, n_neighbors: int = N_NEIGHBORS) -> int:
    """The neighbours per cell of the graph of ``n_cells`` cells: ``n_neighbors``, or, when it exceeds the cells,
    ``1 + n_cells // 2`` with a warning, as ``scanpy.pp.neighbors`` (which scib's metrics run on) adjusts it (every
    cell instead gave another graph and other scores than scib's)."""
    if n_neighbors <= n_cells:
        return n_neighbors
    adjusted = 1 + int(0.5 * n_cells)
    log.warning("%d cells, fewer than n_neighbors: %d neighbours per cell, as scanpy.pp.neighbors adjusts", n_cells,
                adjusted)
    return adjusted


def check_scored_cells(n_cells: int, caller: str) -> None:
    """Refuse, in one line naming ``caller``, scoring fewer than :data:`MIN_SCORED_CELLS` (``N_NEIGHBORS + 1``) cells:
    the graph's 15 neighbours per cell would join each cell to (nearly) every other, so the score says nothing
    (evaluate_embedding's floor, and jae.evaluate's)."""
    if n_cells < MIN_SCORED_CELLS:
        raise ValueError(f"{caller}: the embedding has {n_cells} cells, fewer than the {MIN_SCORED_CELLS} the metrics "
                         f"need (their graph joins each cell to its {N_NEIGHBORS} nearest neighbours, as scanpy's, and "
                         f"must leave some cells out); score at least {MIN_SCORED_CELLS} cells")


def _as_float_matrix(X, name: str = "embedding") -> np.ndarray:
    if sp.issparse(X):
        X = X.toarray()
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"{name} must be a 2-D array (n_cells, n_dims) with at least 2 cells; got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):  # complex: cast to real
        raise ValueError(f"{name} must be numeric (real numbers); got dtype {X.dtype}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values; remove or impute those cells first")
    return X


def float32_tensor(X, device) -> torch.Tensor:
    """``X`` as a float32 tensor on ``device``. An array numpy reversed without copying (``E[::-1]``, ``np.flip``,
    a DataFrame's ``.iloc[::-1]``) has negative strides, which torch refuses ("tensors with negative strides are not
    currently supported"): it is copied first; any other array is taken as it is."""
    import torch

    X = np.asarray(X, dtype=np.float32)
    if any(stride < 0 for stride in X.strides):
        X = X.copy()
    return torch.as_tensor(X, device=device)


def distance_blocks(
    X: np.ndarray, *, device: str | torch.device | None = None, block_rows: int | None = None
) -> Iterator[tuple[int, int, torch.Tensor]]:
    """Euclidean distances from row blocks of ``X`` to all rows, one block at a time.

    Parameters
    ----------
    X
        ``(n, d)`` points.
    device
        Torch device; default CUDA when available.
    block_rows
        Rows per block; default keeps each block near 32 M entries.

    Yields
    ------
    ``(start, stop, D)`` with ``D`` a float32 tensor ``(stop - start, n)`` on ``device``.
    """
    import torch

    dev = resolve_device(device)
    Xt = float32_tensor(X, dev)
    Xt = Xt - Xt.mean(dim=0, keepdim=True)  # centring keeps the |x|^2 - 2xy + |y|^2 trick accurate
    sq = (Xt * Xt).sum(dim=1)
    n = Xt.shape[0]
    rows = block_rows or max(1, min(n, _BLOCK_ENTRIES // max(n, 1)))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        D = torch.addmm(sq[start:stop, None] + sq[None, :], Xt[start:stop], Xt.T, alpha=-2.0)
        D.clamp_(min=0.0).sqrt_()
        D[torch.arange(stop - start, device=dev), torch.arange(start, stop, device=dev)] = 0.0
        yield start, stop, D


def knn_and_cluster_sums(
    X, codes: np.ndarray | None, *, n_neighbors: int = N_NEIGHBORS, device: str | torch.device | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Exact kNN lists and, in the same pass over the distances, each cell's distance sum to every cluster.

    Parameters
    ----------
    X
        ``(n_cells, n_dims)`` embedding.
    codes
        ``(n_cells,)`` cluster index of each cell (``0..n_clusters-1``), or ``None`` to skip the sums.
    n_neighbors
        List length, the cell itself included.
    device
        Torch device; default CUDA when available.

    Returns
    -------
    ``(indices, distances, sums)``: ``(n_cells, n_neighbors)`` int64 and float32 neighbour lists (self first,
    sorted by distance) and ``(n_cells, n_clusters)`` float64 sums of euclidean distances (``None`` without codes).
    """
    X = _as_float_matrix(X)
    n = X.shape[0]
    k = min(n_neighbors, n)
    dev = resolve_device(device)
    if dev.type == "cpu" and n >= FUSED_MIN_CELLS:
        return _knn_and_cluster_sums_fused(X, codes, k)
    import torch

    # With clusters, cells are processed sorted by cluster so that per-cluster sums are sums of contiguous column
    # ranges (numpy's reduceat on CPU, a one-hot product on GPU); results are mapped back to the input order.
    order = np.argsort(codes, kind="stable") if codes is not None else np.arange(n)
    Xt = torch.as_tensor(np.asarray(X, dtype=np.float32)[order], device=dev)
    Xt = Xt - Xt.mean(dim=0, keepdim=True)  # centring keeps the |x|^2 - 2xy + |y|^2 trick accurate
    sq = (Xt * Xt).sum(dim=1)
    sums = onehot = starts = None
    if codes is not None:
        sorted_codes = np.asarray(codes, dtype=np.int64)[order]
        n_clusters = int(sorted_codes.max()) + 1
        sums = np.zeros((n, n_clusters), dtype=np.float64)
        present = np.unique(sorted_codes)
        starts = np.searchsorted(sorted_codes, present)
        if dev.type != "cpu":
            onehot = torch.zeros((n, n_clusters), dtype=Xt.dtype, device=dev)
            onehot[torch.arange(n, device=dev), torch.as_tensor(sorted_codes, device=dev)] = 1.0
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    rows = max(1, min(n, _BLOCK_ENTRIES // max(n, 1)))
    XT = Xt.T.contiguous()
    buf = torch.empty((rows, n), dtype=Xt.dtype, device=dev)  # reused: no fresh pages per block
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        m = stop - start
        D = buf[:m]
        local = torch.arange(m, device=dev)
        cols = torch.arange(start, stop, device=dev)
        # squared distances |x|^2 + |y|^2 - 2xy: the norms written first, the product accumulated onto them
        torch.add(sq[start:stop, None], sq[None, :], out=D)
        D.addmm_(Xt[start:stop], XT, alpha=-2.0)
        D[local, cols] = -torch.inf  # self first
        vals, idx = torch.topk(D, k, dim=1, largest=False, sorted=True)
        vals = vals.clamp_(min=0.0).sqrt_()
        vals[:, 0] = 0.0
        indices[start:stop] = order[idx.cpu().numpy()]
        distances[start:stop] = vals.cpu().numpy()
        if codes is not None:
            D[local, cols] = 0.0
            D.clamp_(min=0.0).sqrt_()
            if onehot is None:
                sums[start:stop, present] = np.add.reduceat(D.numpy(), starts, axis=1)
            else:
                sums[start:stop] = (D @ onehot).double().cpu().numpy()
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    indices, distances = indices[inverse], distances[inverse]
    if sums is not None:
        sums = sums[inverse]
    return indices, distances, sums


def _knn_and_cluster_sums_fused(
    X: np.ndarray, codes: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`knn_and_cluster_sums` on the CPU with the half-matrix kernel (rows sorted by cluster, then restored)."""
    from ._knn_cpu import knn_cluster_sums_sorted

    n = X.shape[0]
    order = np.argsort(codes, kind="stable") if codes is not None else np.arange(n)
    Xs = np.asarray(X, dtype=np.float32)[order]
    Xs -= Xs.mean(axis=0, dtype=np.float64).astype(np.float32)  # centring keeps |x|^2 - 2xy + |y|^2 accurate
    sorted_codes = np.asarray(codes, dtype=np.int64)[order] if codes is not None else None
    n_clusters = int(sorted_codes.max()) + 1 if codes is not None else 0
    idx, distances, sums = knn_cluster_sums_sorted(Xs, sorted_codes, n_clusters, k)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    indices = order[idx][inverse]
    return indices, distances[inverse], None if sums is None else sums[inverse]


def knn(
    X, *, n_neighbors: int = N_NEIGHBORS, device: str | torch.device | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours (euclidean), each cell first in its own list.

    Parameters
    ----------
    X
        ``(n_cells, n_dims)`` embedding.
    n_neighbors
        List length, the cell itself included (scanpy's convention).
    device
        Torch device; default CUDA when available.

    Returns
    -------
    ``(indices, distances)``: int64 and float32 arrays ``(n_cells, n_neighbors)``, sorted by distance.
    """
    indices, distances, _ = knn_and_cluster_sums(X, None, n_neighbors=n_neighbors, device=device)
    return indices, distances


_exact_knn = knn  # neighbor_graph's ``knn`` argument shadows the function's name there


def _smooth_knn_dist(dists: np.ndarray, k: int, n_iter: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """UMAP's per-cell bandwidth search (local_connectivity=1), vectorised over cells.

    ``dists`` includes the self column (0) first; the sum runs over the other neighbours, as in umap-learn.
    """
    tol, min_scale = 1e-5, 1e-3
    target = np.log2(k)
    n = dists.shape[0]
    positive = np.where(dists > 0, dists, np.inf)
    rho = positive.min(axis=1)
    rho = np.where(np.isfinite(rho), rho, 0.0).astype(np.float32)
    others = dists[:, 1:].astype(np.float64)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    mid = np.ones(n)
    active = np.ones(n, dtype=bool)
    for _ in range(n_iter):
        if not active.any():
            break
        d = others[active] - rho[active, None]
        psum = np.where(d > 0, np.exp(-(np.maximum(d, 0) / mid[active, None])), 1.0).sum(axis=1)
        done = np.abs(psum - target) < tol
        idx = np.flatnonzero(active)
        over = (psum > target) & ~done
        under = ~over & ~done
        hi[idx[over]] = mid[idx[over]]
        mid[idx[over]] = (lo[idx[over]] + hi[idx[over]]) / 2.0
        u = idx[under]
        lo[u] = mid[u]
        mid[u] = np.where(np.isinf(hi[u]), mid[u] * 2.0, (lo[u] + hi[u]) / 2.0)
        active[idx[done]] = False
    sigma = mid.astype(np.float32)
    row_mean = dists.mean(axis=1)
    floor = np.where(rho > 0, min_scale * row_mean, min_scale * dists.mean())
    sigma = np.maximum(sigma, floor).astype(np.float32)
    return sigma, rho


def umap_connectivities(indices: np.ndarray, distances: np.ndarray) -> sp.csr_matrix:
    """UMAP fuzzy-simplicial-set connectivities from kNN lists (as ``scanpy.pp.neighbors``, method ``'umap'``).

    Parameters
    ----------
    indices, distances
        ``(n_cells, k)`` from :func:`knn`, self first.

    Returns
    -------
    Symmetric CSR matrix ``(n_cells, n_cells)``, float32, zero diagonal: ``A + A.T - A * A.T`` of the directed
    memberships ``A``.
    """
    n, k = indices.shape
    sigma, rho = _smooth_knn_dist(distances, k)
    d = distances.astype(np.float32) - rho[:, None]
    vals = np.where(d <= 0, 1.0, np.exp(-(np.maximum(d, 0) / sigma[:, None]))).astype(np.float32)
    rows = np.repeat(np.arange(n), k)
    vals[indices == np.arange(n)[:, None]] = 0.0
    A = sp.csr_matrix((vals.ravel(), (rows, indices.ravel())), shape=(n, n))
    A.eliminate_zeros()
    At = A.T.tocsr()
    C = (A + At - A.multiply(At)).tocsr()
    C.eliminate_zeros()
    return C.astype(np.float32)


@dataclass(frozen=True)
class NeighborGraph:
    """A kNN graph of ``n_cells`` cells.

    Attributes
    ----------
    indices, distances
        ``(n_cells, n_neighbors)`` neighbour lists, self first, sorted by distance.
    connectivities
        ``(n_cells, n_cells)`` symmetric CSR UMAP connectivities (scanpy's ``obsp['connectivities']``).
    """

    indices: np.ndarray
    distances: np.ndarray
    connectivities: sp.csr_matrix

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.indices.shape[0]


def check_graph(graph) -> None:
    """Refuse, in one line, a ``graph=`` that is neither None nor a :class:`NeighborGraph` (scanpy's
    ``obsp['connectivities']`` failed with "'csr_matrix' object has no attribute 'n_cells'")."""
    if graph is not None and not isinstance(graph, NeighborGraph):
        raise TypeError(f"graph must be a jae.metrics.NeighborGraph, not a {type(graph).__name__}; pass "
                        "graph=jae.metrics.neighbor_graph(embedding) (scanpy's pp.neighbors graph, its defaults), or "
                        "graph=None to build it from the embedding")


def __getattr__(name: str):
    """``approximate_knn``, which lives in :mod:`jae.metrics._knn_approx`: that module imports this one
    (``_as_float_matrix``), so it is read on first use, whichever of the two a process imports first."""
    if name == "approximate_knn":
        from ._knn_approx import approximate_knn

        return approximate_knn
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def neighbor_graph(
    embedding,
    *,
    n_neighbors: int = N_NEIGHBORS,
    device: str | torch.device | None = None,
    knn: KnnMode = "exact",
    seed: int = 0,
) -> NeighborGraph:
    """The kNN graph scanpy's ``pp.neighbors`` builds, exact or approximate.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    n_neighbors
        Neighbours per cell including itself (scanpy default 15); more than the cells: ``1 + n_cells // 2``, as
        scanpy adjusts it (with a warning).
    device
        Torch device for the exact distance blocks; default CUDA when available.
    knn
        ``'exact'`` (default; all pairwise distances, O(n^2)), ``'approximate'`` (:func:`approximate_knn`) or
        ``'auto'`` (approximate above :data:`APPROXIMATE_MIN_CELLS` cells).
    seed
        Seed of the approximate search (unused by the exact one).

    Returns
    -------
    :class:`NeighborGraph` with ``(n_cells, n_neighbors)`` lists and ``(n_cells, n_cells)`` connectivities.
    """
    if not is_whole(n_neighbors, 2):
        raise ValueError(f"n_neighbors must be a whole number >= 2 (the cell itself and at least one neighbour; "
                         f"scanpy's default is 15), not {n_neighbors!r}")
    from ..config import as_seed

    seed = as_seed(seed)  # None searched unseeded, 1.5 or -1 failed in the search's own check
    E = _as_float_matrix(embedding)
    n_neighbors = graph_neighbors(E.shape[0], n_neighbors)
    if resolve_knn(knn, E.shape[0]) == "approximate":
        from ._knn_approx import approximate_knn

        log.info("neighbours: approximate (inverted file + descent, seed %d) for %d cells", seed, E.shape[0])
        indices, distances = approximate_knn(E, n_neighbors=n_neighbors, seed=seed)
    else:
        indices, distances = _exact_knn(E, n_neighbors=n_neighbors, device=device)
    return NeighborGraph(indices, distances, umap_connectivities(indices, distances))


def _cell_type_inputs(embedding, cell_type, graph: NeighborGraph | None,
                      caller: str) -> tuple[np.ndarray | None, np.ndarray]:
    """The inputs of a cell-type metric on the kNN graph (:func:`~jae.metrics.nmi`,
    :func:`~jae.metrics.graph_connectivity`), checked before any graph is built: ``graph`` None or a
    :class:`NeighborGraph`; without one, the embedding as a float matrix of at least the cells a graph of 15
    neighbours per cell needs (10 cells scored as if such a graph existed), refused naming ``caller``; ``cell_type``
    as per-cell labels (a Series aligned by cell name).

    Returns ``(E, labels)``: the ``(n_cells, n_dims)`` float embedding (None when ``graph`` is given) and the
    ``(n_cells,)`` labels; :func:`_labelled_graph` then gives the graph.
    """
    check_graph(graph)
    E = _as_float_matrix(embedding) if graph is None else None
    if E is not None:
        check_scored_cells(E.shape[0], caller)
    labels = as_labels(by_cells(embedding, cell_type, "cell_type"), name="cell_type",
                       n_cells=None if E is None else E.shape[0])
    return E, labels


def _labelled_graph(E: np.ndarray | None, graph: NeighborGraph | None, labels: np.ndarray, caller: str,
                    device=None) -> NeighborGraph:
    """``graph``, or the kNN graph of ``E`` built now, refused in one line naming ``caller`` unless it has one cell
    per label (the inputs of :func:`_cell_type_inputs`)."""
    if graph is None:
        graph = neighbor_graph(E, device=device)
    if graph.n_cells != len(labels):
        raise ValueError(f"{caller}: the graph has {graph.n_cells} cells but cell_type has {len(labels)}; align them")
    return graph
