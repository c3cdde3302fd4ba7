"""Out-of-core preprocessing: randomized SVD over row blocks, fast block projection, seeded row subsamples.

The SVD is Halko et al.'s randomized range finder run on the row space, so memory is ``O(block + n_features x
(k + p))`` whatever the number of cells: each pass over the blocks computes ``Z = A^T (A Q)`` block by block
(``A`` = normalised data, ``Q`` the current ``n_features x (k + p)`` basis); ``n_iter`` passes are power
iterations, and the last pass also accumulates ``G = (AQ)^T (AQ)``, from which the final small SVD is formed
exactly as in Halko's algorithm (``B = orth(AQ)^T A`` is ``Lambda^-1/2 W^T Z^T`` with ``G = W Lambda W^T``).
This is the same polynomial in ``A`` as :class:`sklearn.decomposition.TruncatedSVD` with the same ``n_iter``.

Sparse products run on the CSR blocks as read, tiled over the features so that the rows of ``Q`` in use stay in
cache (:mod:`jae.preprocess._sparse`): with 100k+ features ``Q`` does not fit in cache and scipy's row-major CSR
kernel (also used by scikit-learn) is about 7x slower, while its column-major one needs a CSC copy of every block
(as costly as the product). The final small SVD is taken from the ``(k + p) x (k + p)`` Gram matrix of
``orth(AQ)^T A`` (an eigendecomposition and one product) instead of LAPACK's SVD of the wide ``(k + p) x
n_features`` matrix, about 25x cheaper at 116k features and equal to 1e-13 there; a nearly rank-deficient case,
where squaring would lose digits, falls back to the direct SVD.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from .svd import SVDBasis

__all__ = ["fit_svd_streaming", "project_blocks", "collect_rows", "split_blocks"]

logger = logging.getLogger(__name__)

#: Rows per sparse product: keeps the dense ``rows x (k + p)`` product within cache.
_MATMUL_ROWS = 4096

BlockSource = Callable[[], Iterable]


def split_blocks(blocks: Iterable, rows: int = _MATMUL_ROWS) -> Iterator:
    """Re-cut a stream of CSR row blocks into blocks of at most ``rows`` rows (views of the originals); a
    :class:`jae.preprocess._sparse.TiledCSR` block is passed on whole."""
    from ._sparse import TiledCSR

    for block in blocks:
        if isinstance(block, TiledCSR) or block.shape[0] <= rows:
            yield block
            continue
        for s in range(0, block.shape[0], rows):
            yield block[s : s + rows]


def _as_matrix(block):
    """A sparse block tiled for the kernels (:func:`jae.preprocess._sparse.tiled`, once for both products of a
    pass), a dense one as float32."""
    from ._sparse import TiledCSR, tiled

    if sp.issparse(block) or isinstance(block, TiledCSR):
        return tiled(block)
    return np.asarray(block, dtype=np.float32)


def _times(B, Q: np.ndarray) -> np.ndarray:
    """``B @ Q``, float32 ``(rows, k)``."""
    from ._sparse import TiledCSR, csr_dense

    return csr_dense(B, Q) if isinstance(B, TiledCSR) else np.asarray(B @ Q, dtype=np.float32)


def _small_svd(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(s, Vt)`` of the wide ``(m, n_features)`` float64 ``small`` (``m`` about 110), largest first.

    From the ``m x m`` Gram matrix: ``small small^T = U S^2 U^T``, ``Vt = S^-1 U^T small``. Squaring the singular
    values loses digits only when they span many orders of magnitude; then (smallest above 1e-6 of the largest)
    LAPACK's SVD of ``small`` itself is used.
    """
    lam, U = np.linalg.eigh(small @ small.T)
    lam, U = lam[::-1], U[:, ::-1]
    if lam[0] <= 0 or lam[-1] < lam[0] * 1e-12:
        _, s, Vt = np.linalg.svd(small, full_matrices=False)
        return s, Vt
    s = np.sqrt(lam)
    return s, (U.T @ small) / s[:, None]


def _check(block, n_features: int):
    if block.shape[1] != n_features:
        raise ValueError(
            f"a block has {block.shape[1]} features but n_features={n_features}; all blocks must have the same "
            "features (columns) in the same order"
        )


def _normalise_basis(Z: np.ndarray, *, orthonormal: bool) -> np.ndarray:
    """Re-condition the power-iteration basis: LU (cheap, as scikit-learn between power iterations) or QR."""
    import scipy.linalg

    Z = Z.astype(np.float32)
    if orthonormal:
        return scipy.linalg.qr(Z, mode="economic", overwrite_a=True, check_finite=False)[0]
    return scipy.linalg.lu(Z, permute_l=True, overwrite_a=True, check_finite=False)[0]


def fit_svd_streaming(
    blocks: BlockSource,
    *,
    n_features: int,
    n_components: int = 100,
    seed: int = 0,
    n_iter: int = 5,
    n_oversamples: int = 10,
    progress_bar: bool = False,
    on_pass: Callable[[], None] | None = None,
) -> SVDBasis:
    """Fit a truncated SVD (no centring, like ``TruncatedSVD``) to data seen only as row blocks.

    Parameters
    ----------
    blocks
        Zero-argument callable returning a fresh iterable of normalised ``(rows, n_features)`` blocks (CSR,
        :class:`jae.preprocess._sparse.TiledCSR` to tile a block kept in memory once for every pass, or dense),
        e.g. ``lambda: (log_normalize(b) for b in counts.blocks())``. It is called ``n_iter + 1`` times.
    n_features
        Number of columns.
    n_components
        Components kept; capped at ``min(n_cells, n_features) - 1`` with a log line.
    seed
        Seed of the random starting basis.
    n_iter
        Power iterations (passes over the data: ``n_iter + 1``). scikit-learn's default is 5; 2 often suffices
        for embedding inputs, check with the metric suite.
    n_oversamples
        Extra basis vectors beyond ``n_components`` (Halko's ``p``).
    progress_bar
        One tqdm bar over the passes.
    on_pass
        Called after each pass (e.g. to tick a caller's progress bar).

    Returns
    -------
    :class:`SVDBasis` with ``(n_components, n_features)`` float32 components, signs fixed so that each
    component's largest-magnitude entry is positive (scikit-learn's convention).
    """
    from tqdm.auto import tqdm

    from .._flags import bars_off, is_whole
    from ._sparse import TiledCSR, csr_t_dense_add
    from .svd import fit_numbers

    n_components, seed = fit_numbers(n_components, seed)  # seed=None drew an unseeded basis; 0 failed after the passes
    for name, value in (("n_iter", n_iter), ("n_oversamples", n_oversamples)):
        if not is_whole(value, 0):
            raise ValueError(f"fit_svd_streaming: {name} must be a whole number >= 0, not {value!r}")
    n_basis = min(n_components + n_oversamples, n_features)
    rng = np.random.default_rng(seed)
    Q = _normalise_basis(rng.standard_normal((n_features, n_basis)), orthonormal=True)
    n_rows = 0
    for it in tqdm(range(n_iter + 1), disable=not progress_bar or bars_off(), desc="streaming SVD", unit="pass",
                   leave=False):  # gone once done, as fit's and evaluate's
        last = it == n_iter
        Z = np.zeros((n_features, n_basis), dtype=np.float64)
        G = np.zeros((n_basis, n_basis), dtype=np.float64)
        n_rows = 0
        Qc = None  # Q in row order for the tiled kernels, made at the pass's first tiled block (dense ones take Q)
        for block in split_blocks(blocks()):
            _check(block, n_features)
            B = _as_matrix(block)
            if isinstance(B, TiledCSR) and Qc is None:  # QR's Q is column-major: copied once, not for every block
                Qc = np.ascontiguousarray(Q, dtype=np.float32)
            Y = _times(B, Qc if isinstance(B, TiledCSR) else Q)  # rows x n_basis
            if isinstance(B, TiledCSR):
                csr_t_dense_add(B, Y, Z)  # Z += B^T Y
            else:
                Z += B.T @ Y
            if last:
                G += Y.T.astype(np.float64) @ Y
            n_rows += block.shape[0]
        if n_rows == 0:
            raise ValueError("fit_svd_streaming: the blocks are empty; pass a callable yielding row blocks")
        if not last:
            Q = _normalise_basis(Z, orthonormal=it == n_iter - 1)
        if on_pass is not None:
            on_pass()
    k = min(n_components, n_rows - 1, n_features - 1)
    if k < 1:
        raise ValueError(f"cannot fit an SVD to {n_rows} cells x {n_features} features: need at least 2 of each")
    if k < n_components:
        logger.info("streaming SVD: %d components requested, data allows %d", n_components, k)
    lam, W = np.linalg.eigh(G)
    keep = lam > lam.max() * 1e-10
    small = (W[:, keep] / np.sqrt(lam[keep])).T @ Z.T  # orth(AQ)^T A, (n_kept x n_features)
    s, Vt = _small_svd(small)
    if len(Vt) < k:  # rank below k (all-zero features, repeated cells): the data spans no more directions
        logger.info("streaming SVD: %d components requested, the data has rank %d", k, len(Vt))
        k = len(Vt)
    components = Vt[:k]
    signs = np.sign(components[np.arange(k), np.argmax(np.abs(components), axis=1)])
    components *= signs[:, None]
    logger.debug("streaming SVD: %d cells, top singular values %s", n_rows, np.round(s[:5], 3))
    return SVDBasis(components=np.ascontiguousarray(components, dtype=np.float32))


def project_blocks(blocks: Iterable, basis: SVDBasis, *, n_rows: int | None = None) -> np.ndarray:
    """Project row blocks onto ``basis`` (tiled sparse products; see the module notes).

    Parameters
    ----------
    blocks
        Iterable of normalised ``(rows, n_features)`` blocks, CSR or dense.
    basis
        A fitted :class:`SVDBasis`.
    n_rows
        Total rows, when known, to fill a preallocated result instead of concatenating.

    Returns
    -------
    ``(n_cells, n_components)`` float32 array, rows in block order.
    """
    comp_t = np.ascontiguousarray(basis.components.T)
    out = np.empty((n_rows, basis.n_components), dtype=np.float32) if n_rows is not None else None
    parts, pos = [], 0
    for block in split_blocks(blocks):
        _check(block, basis.n_features)
        Y = _times(_as_matrix(block), comp_t)
        if out is not None:
            out[pos : pos + Y.shape[0]] = Y
        else:
            parts.append(Y)
        pos += Y.shape[0]
    if out is not None:
        if pos != n_rows:
            raise ValueError(f"project_blocks: n_rows={n_rows} but the blocks held {pos} rows")
        return out
    return np.concatenate(parts) if parts else np.empty((0, basis.n_components), dtype=np.float32)


def collect_rows(blocks: Iterable, rows: np.ndarray) -> sp.csr_matrix:
    """Gather the given rows (sorted global row numbers) from a stream of CSR row blocks in one pass.

    Returns
    -------
    ``(len(rows), n_features)`` CSR matrix, rows in ``rows`` order.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size and np.any(np.diff(rows) <= 0):
        raise ValueError("collect_rows: rows must be strictly increasing (e.g. np.sort of a seeded choice)")
    picked, pos = [], 0
    for block in blocks:
        lo, hi = np.searchsorted(rows, [pos, pos + block.shape[0]])
        if hi > lo:
            picked.append(sp.csr_matrix(block[rows[lo:hi] - pos]))
        pos += block.shape[0]
    if rows.size and rows[-1] >= pos:
        raise ValueError(f"collect_rows: row {rows[-1]} requested but the blocks held {pos} rows")
    return sp.vstack(picked, format="csr") if picked else sp.csr_matrix((0, 0), dtype=np.float32)
