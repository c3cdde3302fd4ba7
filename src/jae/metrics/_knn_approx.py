"""Approximate k nearest neighbours by nearest-neighbour descent (pynndescent), as ``scanpy.pp.neighbors`` above
4,096 cells: the neighbour graph of :mod:`jae.metrics` above :data:`jae.metrics._graph.APPROXIMATE_MIN_CELLS` cells
(or with ``knn='approximate'``)."""

from __future__ import annotations

import numpy as np

from .._threads import start_numba_pool
from ._graph import N_NEIGHBORS, _as_float_matrix

__all__ = ["approximate_knn", "MIN_CELLS"]

#: Fewer cells than this get exact lists from :func:`approximate_knn`.
MIN_CELLS = 256


def approximate_knn(X, *, n_neighbors: int = N_NEIGHBORS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Approximate k nearest neighbours (euclidean) by nearest-neighbour descent, as ``scanpy.pp.neighbors``.

    pynndescent's ``NNDescent`` with scanpy's settings (``n_trees = min(64, 5 + round(sqrt(n) / 20))``,
    ``n_iters = max(5, round(log2(n)))``, 60 candidates, low memory), seeded: the same ``seed`` and data give the
    same lists. Each cell is put first in its own list (distance 0), as in :func:`knn`. Below
    :data:`MIN_CELLS` cells the lists are computed exactly (:func:`jae.metrics._graph.knn`; the search needs
    several times ``n_neighbors`` cells, and exact lists cost nothing there).

    Parameters
    ----------
    X
        ``(n_cells, n_dims)`` embedding.
    n_neighbors
        List length, the cell itself included.
    seed
        ``random_state`` of the search.

    Returns
    -------
    ``(indices, distances)``: int64 and float32 arrays ``(n_cells, n_neighbors)``, self first, then by distance.
    """
    try:
        from pynndescent import NNDescent
    except ImportError as err:  # a dependency of jae (and of scanpy); only a broken install lacks it
        raise ImportError("approximate neighbours need pynndescent: pip install 'pynndescent>=0.5'") from err

    from ..config import as_seed

    seed = as_seed(seed)
    X = np.ascontiguousarray(_as_float_matrix(X), dtype=np.float32)
    n = X.shape[0]
    k = min(n_neighbors, n)
    if n < MIN_CELLS:
        from ._graph import knn

        return knn(X, n_neighbors=k, device="cpu")
    start_numba_pool()  # pynndescent's kernels would start it, resetting torch's thread count
    n_trees = min(64, 5 + int(round(n**0.5 / 20.0)))
    n_iters = max(5, int(round(np.log2(n))))
    index = NNDescent(X, n_neighbors=k, metric="euclidean", random_state=seed, n_trees=n_trees, n_iters=n_iters,
                      max_candidates=60, low_memory=True, compressed=True, verbose=False)
    idx, dist = index.neighbor_graph
    del index
    idx = np.asarray(idx, dtype=np.int64)
    dist = np.asarray(dist, dtype=np.float32)
    if (idx < 0).any():
        raise RuntimeError("approximate_knn: the search left empty neighbour slots; use knn='exact' for this data")
    # self first: drop the cell from wherever it is (or the farthest entry when the search missed it), prepend it
    own = idx == np.arange(n)[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), k - 1)
    keep = np.ones_like(own)
    keep[np.arange(n), drop] = False
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.zeros((n, k), dtype=np.float32)
    indices[:, 0] = np.arange(n)
    indices[:, 1:] = idx[keep].reshape(n, k - 1)
    distances[:, 1:] = dist[keep].reshape(n, k - 1)
    return indices, distances
