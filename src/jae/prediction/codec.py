"""Target codec: how a (possibly very wide, sparse) target is represented during training and decoded after.

Two representations:

- ``'features'``: every target feature directly, centred on the training mean (narrow targets: proteins,
  a few thousand genes).
- ``'svd'``: the coefficients of a centred truncated SVD of the target (wide targets: 13k genes, 116k peaks).
  The basis has orthonormal rows, so the squared error in target space is the squared error of the coefficients
  plus the part of the target the basis cannot represent, a constant; training on coefficients therefore
  minimises the target-space MSE exactly, without materialising the wide target.

Decoding runs in row blocks, clips to the target's range (GEX and ADT targets are ``>= 0``, ATAC targets lie in
``[0, 1]``; clipping can only bring a prediction closer to such a target) and returns dense float32 or CSR.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["TargetCodec", "fit_codec", "centered_svd", "assemble", "block_rows"]

#: Most rows per block when decoding or predicting.
BLOCK_ROWS = 4096
#: Most dense values per decoded block (64 MiB of float32), so a 116k-peak target decodes ~580 rows at a time.
BLOCK_VALUES = 1 << 24


def block_rows(n_features: int) -> int:
    """Rows per block for a target of ``n_features``: at most ``BLOCK_ROWS`` and ``BLOCK_VALUES`` values."""
    return max(1, min(BLOCK_ROWS, BLOCK_VALUES // max(1, n_features)))


@dataclass(frozen=True)
class TargetCodec:
    """A fitted target representation.

    Attributes
    ----------
    kind
        Target modality kind.
    mean
        ``(n_features,)`` float32 training mean of the target.
    components
        ``(k, n_features)`` float32 orthonormal basis of the centred target, or None for ``'features'``.
    """

    kind: str
    mean: np.ndarray
    components: np.ndarray | None

    @property
    def n_features(self) -> int:
        return int(self.mean.shape[0])

    @property
    def n_dims(self) -> int:
        """Width of the representation the network predicts."""
        return self.n_features if self.components is None else int(self.components.shape[0])

    @property
    def upper(self) -> float | None:
        """Upper bound of the target's range (1 for binarised ATAC, none otherwise)."""
        return 1.0 if self.kind == "ATAC" else None

    def encode(self, Y) -> np.ndarray:
        """Represent ``(n_cells, n_features)`` targets.

        Returns
        -------
        ``(n_cells, n_dims)`` float32 array: centred targets (``'features'``) or SVD coefficients (``'svd'``).
        """
        if self.components is None:
            dense = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
            return (dense - self.mean).astype(np.float32)
        comp_t = self.components.T
        out = np.empty((Y.shape[0], self.n_dims), dtype=np.float32)
        shift = self.mean @ comp_t
        for start in range(0, Y.shape[0], BLOCK_ROWS):
            prod = Y[start : start + BLOCK_ROWS] @ comp_t
            out[start : start + BLOCK_ROWS] = np.asarray(prod) - shift
        return out

    def residual_sse(self, Y) -> float:
        """Sum of squared errors the representation cannot avoid (zero for ``'features'``)."""
        if self.components is None:
            return 0.0
        total, step = 0.0, block_rows(self.n_features)
        for start in range(0, Y.shape[0], step):
            block = Y[start : start + step]
            block = block.toarray() if sp.issparse(block) else np.asarray(block)
            centred = block.astype(np.float64) - self.mean
            total += float(np.sum(centred**2) - np.sum((centred @ self.components.T.astype(np.float64)) ** 2))
        return max(total, 0.0)

    def decode_blocks(self, codes: np.ndarray) -> Iterator[np.ndarray]:
        """Decode ``(n_cells, n_dims)`` codes to the target space, one dense float32 row block at a time."""
        step = block_rows(self.n_features)
        for start in range(0, codes.shape[0], step):
            block = codes[start : start + step]
            dense = block + self.mean if self.components is None else block @ self.components + self.mean
            yield np.clip(dense, 0.0, self.upper, out=dense).astype(np.float32, copy=False)

    def decode(self, codes: np.ndarray, *, sparse_below: float | None = None):
        """Decode codes to target space.

        Parameters
        ----------
        codes
            ``(n_cells, n_dims)`` predicted codes.
        sparse_below
            None: return a dense array. A number: return CSR, dropping predictions below it.

        Returns
        -------
        ``(n_cells, n_features)`` float32 ndarray, or CSR when ``sparse_below`` is given.
        """
        return assemble(self.decode_blocks(codes), sparse_below=sparse_below)


def assemble(blocks: Iterator[np.ndarray], *, sparse_below: float | None = None):
    """Stack row blocks (dense or CSR) into one dense float32 array, or into CSR keeping values ``>= sparse_below``."""
    parts = []
    for block in blocks:
        if sparse_below is None:
            parts.append(block.toarray() if sp.issparse(block) else np.asarray(block))
        elif sp.issparse(block):
            block = block.tocsr(copy=True)
            block.data[block.data < sparse_below] = 0.0
            block.eliminate_zeros()
            parts.append(block)
        else:
            parts.append(sp.csr_matrix(np.where(block >= sparse_below, block, 0.0)))
    if sparse_below is None:
        return np.vstack(parts).astype(np.float32, copy=False)
    return sp.vstack(parts, format="csr", dtype=np.float32)


def centered_svd(Y, n_components: int, *, seed: int = 0, n_iter: int = 5, oversample: int = 10) -> np.ndarray:
    """Randomised truncated SVD of the column-centred ``Y`` without densifying it (Halko et al. 2011).

    Parameters
    ----------
    Y
        ``(n_cells, n_features)`` dense or sparse.
    n_components
        Number of components ``k``; capped at ``min(Y.shape) - 1``.
    seed
        Seed of the random test matrix (``np.random.default_rng``).
    n_iter
        Power iterations.
    oversample
        Extra random directions.

    Returns
    -------
    ``(k, n_features)`` float32 array with orthonormal rows (the leading right singular vectors, largest first).

    Runs on one BLAS thread, so the basis is the same bit for bit whatever the machine's thread count
    (``OMP_NUM_THREADS``); several threads changed it in the 9th digit. The heavy products are scipy's sparse ones,
    single-threaded anyway. The predictions still follow the thread count through the source encoding's SVD
    (:func:`jae.prediction.source.fit_source_encoder`).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return _centered_svd(Y, n_components, seed=seed, n_iter=n_iter, oversample=oversample)


def _centered_svd(Y, n_components: int, *, seed: int, n_iter: int, oversample: int) -> np.ndarray:
    """:func:`centered_svd` on the caller's BLAS threads."""
    n, p = Y.shape
    k = max(1, min(n_components, min(n, p) - 1))
    width = min(k + oversample, min(n, p))
    mean = np.asarray(Y.mean(axis=0), dtype=np.float64).ravel()
    Yd = Y if sp.issparse(Y) else np.asarray(Y)
    work = np.float32 if Yd.dtype == np.float32 else np.float64  # products in Y's precision: no upcast copy of Y

    def right(Q: np.ndarray) -> np.ndarray:  # (Y - 1 mean^T) @ Q
        return np.asarray(Yd @ Q.astype(work), dtype=np.float64) - mean @ Q

    def left(P: np.ndarray) -> np.ndarray:  # (Y - 1 mean^T)^T @ P
        return np.asarray(Yd.T @ P.astype(work), dtype=np.float64) - np.outer(mean, P.sum(axis=0))

    rng = np.random.default_rng(seed)
    # subspace iteration with QR on the cells' side only (n x width), so no QR of the wide (features x width) side
    Q, _ = np.linalg.qr(right(rng.standard_normal((p, width))))
    for _ in range(n_iter):
        Q, _ = np.linalg.qr(right(left(Q)))
    B = left(Q).T  # (width, p) = Q^T (Y - mean)
    evals, U = np.linalg.eigh(B @ B.T)  # small (width x width) problem instead of an SVD of the wide B
    top = np.argsort(evals)[::-1][:k]
    sing = np.sqrt(np.clip(evals[top], 1e-300, None))
    vt = (U[:, top].T @ B) / sing[:, None]
    basis, r = np.linalg.qr(vt.T)  # re-orthonormalise against round-off (same span, same order)
    return np.ascontiguousarray((basis * np.sign(np.diag(r))).T, dtype=np.float32)


def fit_codec(Y, kind: str, *, representation: str, n_components: int = 100, seed: int = 0) -> TargetCodec:
    """Fit the target representation on training targets.

    Parameters
    ----------
    Y
        ``(n_cells, n_features)`` training targets in the competition's convention.
    kind
        Target modality kind.
    representation
        ``'features'`` or ``'svd'``.
    n_components
        SVD components for ``'svd'``.
    seed
        Seed of the randomised SVD.

    Returns
    -------
    The fitted :class:`TargetCodec`.
    """
    mean = np.asarray(Y.mean(axis=0), dtype=np.float32).ravel()
    if representation == "features":
        return TargetCodec(kind=kind, mean=mean, components=None)
    if representation == "svd":
        return TargetCodec(kind=kind, mean=mean, components=centered_svd(Y, n_components, seed=seed))
    raise ValueError(f"unknown target representation {representation!r}; use 'features' or 'svd'")
