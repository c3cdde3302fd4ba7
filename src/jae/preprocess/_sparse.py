"""Sparse x dense products of the streaming SVD and the projection, straight on CSR row blocks.

``B @ Q`` and ``B.T @ Y`` for a CSR block ``B`` (``rows x n_features``, 100k+ features for ATAC) and a dense
``n_features x k`` / ``rows x k`` matrix (``k`` about 110). scipy's row-major CSR product reads a random row of
``Q`` (51 MB at 116k peaks, more than the cache) for every stored value, about 7x slower than its column-major
product; but that one needs a CSR -> CSC copy of every block first, which costs as much as the product itself.
Here the features are cut into tiles of :data:`FEATURE_TILE` columns; each row's stored values inside a tile are
one contiguous run (sorted indices), found once per block (:func:`_tile_starts`). ``B @ Q``: tile by tile, the
rows multiply their run against the tile's rows of ``Q``, which stay in cache (each thread owns a range of rows). ``B.T @ Y``: the tiles
(in parallel, each owning its rows of the result) add every row's run times that row of ``Y``. The ``k``-wide inner
loops are vectorised by LLVM. Each output entry sums its terms in the same order as scipy's column-major products
(ascending feature for ``B @ Q``, ascending row for ``B.T @ Y``) in float32, so both equal scipy's float32
products bit for bit (``B.T @ Y`` is then added to the caller's float64 total, as before).
Threads: :func:`jae._threads.compute_threads`.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import scipy.sparse as sp

from .._compiled import compiled
from .._threads import numba_threads

__all__ = ["csr_dense", "csr_t_dense_add", "tiled", "tiled_rows", "TiledCSR", "FEATURE_TILE"]

#: Features per tile: a tile of a float32 ``Q`` with 110 columns is about 0.9 MB.
FEATURE_TILE = 2048


@compiled(nogil=True)
def _tile_starts(indptr, indices, n_tiles, tile):
    """``starts[t, i]``: position of row ``i``'s first stored value at a feature >= ``t * tile``."""
    n_rows = indptr.shape[0] - 1
    starts = np.empty((n_tiles + 1, n_rows), dtype=np.int64)
    for i in range(n_rows):
        p = indptr[i]
        end = indptr[i + 1]
        for t in range(n_tiles + 1):
            lo = t * tile
            while p < end and indices[p] < lo:
                p += 1
            starts[t, i] = p
    return starts


@compiled(nogil=True, parallel=True)
def _csr_dense(indices, data, starts, Q, out, n_chunks):
    n_rows = starts.shape[1]
    k = Q.shape[1]
    step = -(-n_rows // n_chunks)
    for chunk in numba.prange(n_chunks):  # one parallel region: each thread owns a range of rows
        for t in range(starts.shape[0] - 1):
            for i in range(chunk * step, min(n_rows, (chunk + 1) * step)):
                for p in range(starts[t, i], starts[t + 1, i]):
                    j = indices[p]
                    v = data[p]
                    for c in range(k):
                        out[i, c] += v * Q[j, c]


@compiled(nogil=True, parallel=True)
def _csr_t_dense_add(indices, data, starts, Y, Z, tile):
    n_rows = starts.shape[1]
    n_features = Z.shape[0]
    k = Y.shape[1]
    for t in numba.prange(starts.shape[0] - 1):
        lo = t * tile
        hi = min(n_features, lo + tile)
        part = np.zeros((hi - lo, k), dtype=np.float32)  # float32 sums, as scipy's float32 product
        for i in range(n_rows):
            for p in range(starts[t, i], starts[t + 1, i]):
                j = indices[p] - lo
                v = data[p]
                for c in range(k):
                    part[j, c] += v * Y[i, c]
        for j in range(hi - lo):
            for c in range(k):
                Z[lo + j, c] += np.float64(part[j, c])


class TiledCSR(NamedTuple):
    """A CSR block ready for the tiled products: sorted ``indices``, float32 ``data``, ``starts`` (each row's first
    stored value at or past each tile, :func:`_tile_starts`) for tiles of ``tile`` features. Made once by
    :func:`tiled` for a block used in several products (the streaming SVD's sample, 12 products per block)."""

    indices: np.ndarray
    data: np.ndarray
    starts: np.ndarray
    shape: tuple[int, int]
    tile: int


def tiled(B, *, tile: int = FEATURE_TILE) -> TiledCSR:
    """``B`` (sparse or dense) as a :class:`TiledCSR`; a :class:`TiledCSR` is returned as it is."""
    if isinstance(B, TiledCSR):
        return B
    if not sp.issparse(B):
        B = sp.csr_matrix(B)
    if B.format != "csr":
        B = B.tocsr()
    if not B.has_sorted_indices:  # the tiles need each row's indices ascending (a copy: the caller's block is kept)
        B = B.sorted_indices()
    n_tiles = max(1, -(-B.shape[1] // tile))
    starts = _tile_starts(B.indptr, B.indices, n_tiles, tile)
    return TiledCSR(B.indices, np.asarray(B.data, dtype=np.float32), starts, tuple(B.shape), tile)


def tiled_rows(T: TiledCSR, mask: np.ndarray) -> TiledCSR:
    """The rows of ``T`` where ``mask`` (``(rows,)`` bool) is True, as a :class:`TiledCSR` sharing ``T``'s indices and
    data (only the row starts are copied): the same products, bit for bit, as ``tiled(B[mask])`` of ``T``'s CSR
    ``B``, without copying its stored values nor finding the tiles again (the held-out folds' SVD passes)."""
    starts = np.ascontiguousarray(T.starts[:, np.asarray(mask, dtype=bool)])
    return TiledCSR(T.indices, T.data, starts, (starts.shape[1], T.shape[1]), T.tile)


def _prepare(B, n_features: int, tile: int) -> TiledCSR:
    """:func:`tiled` (a :class:`TiledCSR` keeps its own tile), checking the features."""
    if B.shape[1] != n_features:
        raise ValueError(f"a block has {B.shape[1]} features, the dense factor {n_features} rows")
    return tiled(B, tile=tile)


def csr_dense(B, Q: np.ndarray, *, tile: int = FEATURE_TILE) -> np.ndarray:
    """``B @ Q`` as a C-ordered ``(rows, k)`` float32 array (``B`` CSR or :class:`TiledCSR`, ``Q``
    ``(n_features, k)``)."""
    T = _prepare(B, Q.shape[0], tile)
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    out = np.zeros((T.shape[0], Q.shape[1]), dtype=np.float32)
    with numba_threads() as threads:
        _csr_dense(T.indices, T.data, T.starts, Q, out, threads)
    return out


def csr_t_dense_add(B, Y: np.ndarray, Z: np.ndarray, *, tile: int = FEATURE_TILE) -> None:
    """``Z += B.T @ Y`` in place (``B`` CSR or :class:`TiledCSR`, ``Z`` C-ordered float64 ``(n_features, k)``,
    ``Y`` ``(rows, k)``)."""
    if Z.dtype != np.float64 or not Z.flags.c_contiguous:
        raise ValueError("csr_t_dense_add: Z must be a C-ordered float64 array")
    T = _prepare(B, Z.shape[0], tile)
    with numba_threads():
        _csr_t_dense_add(T.indices, T.data, T.starts, np.ascontiguousarray(Y, dtype=np.float32), Z, T.tile)
