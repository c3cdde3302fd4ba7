"""Truncated SVD of normalised data, stored as plain arrays so it can be saved without pickle."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._flags import is_whole

__all__ = ["SVDBasis", "fit_svd"]

logger = logging.getLogger(__name__)

#: Rows transformed per block, bounding the dense temporary to block x n_components.
_BLOCK_ROWS = 65536


@dataclass(frozen=True)
class SVDBasis:
    """A fitted truncated SVD basis (no centring, as sklearn's TruncatedSVD).

    Attributes
    ----------
    components
        ``(n_components, n_features)`` float32 right singular vectors.
    held_out_scale
        ``(n_components,)`` float32 or None: per component, how much less cells outside the fit spread along it than
        the fitted cells (:func:`jae.preprocess.held_out.held_out_scale`; None: not measured, e.g. models saved
        before jae measured it). Read only when new samples are mapped (:mod:`jae.mapping`).
    """

    components: np.ndarray
    held_out_scale: np.ndarray | None = None

    def __repr__(self) -> str:  # the dataclass's printed the components
        scale = "" if self.held_out_scale is None else ", held-out scale measured"
        return f"SVDBasis({self.n_components} components x {self.n_features:,} features{scale})"

    @property
    def n_components(self) -> int:
        """Number of components (the basis's rows)."""
        return int(self.components.shape[0])

    @property
    def n_features(self) -> int:
        """Number of input features (the basis's columns)."""
        return int(self.components.shape[1])

    def transform(self, X) -> np.ndarray:
        """Project ``(n_cells, n_features)`` data ``X`` onto the basis, in row blocks.

        Returns
        -------
        ``(n_cells, n_components)`` float32 array.
        """
        from ._checks import refuse_annotated

        refuse_annotated(X, "SVDBasis.transform", "X", "basis.transform(log_normalize(adata.layers['counts']))",
                         backed=True)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"SVD basis was fitted on {self.n_features} features but the data has {X.shape[1]}; "
                "use the same features (same order) as when fitting"
            )
        from ._sparse import csr_dense

        if sp.issparse(X) and X.format not in ("csr", "csc"):  # COO, DOK, ...: not sliced into row blocks by scipy
            X = X.tocsr()
        comp_t = np.ascontiguousarray(self.components.T)
        out = np.empty((X.shape[0], self.n_components), dtype=np.float32)
        for start in range(0, X.shape[0], _BLOCK_ROWS):
            block = X[start : start + _BLOCK_ROWS]
            if sp.issparse(block):
                # feature-tiled CSR product: with 100k+ features the basis does not fit in cache and scipy's
                # row-major CSR kernel is 3-7x slower (benchmarks/results/scale_analysis.md); see jae.preprocess._sparse
                out[start : start + _BLOCK_ROWS] = csr_dense(block, comp_t)
            else:
                out[start : start + _BLOCK_ROWS] = np.asarray(block) @ comp_t
        return out


def fit_numbers(n_components, seed) -> tuple[int, int]:
    """A user's ``n_components`` (a whole number >= 1) and ``seed`` (:func:`jae.config.as_seed`), refused in one line
    naming the argument instead of failing in numpy or with the SVD's "need at least 2 cells" after the passes."""
    from ..config import as_seed

    if not is_whole(n_components, 1):
        raise ValueError(f"n_components must be a whole number >= 1 (SVD dimensions per modality), not "
                         f"{n_components!r}; e.g. n_components=100")
    return int(n_components), as_seed(seed)


def fit_svd(X, n_components: int = 100, *, seed: int = 0, n_iter: int = 5) -> SVDBasis:
    """Fit a truncated SVD (randomised, seeded) to normalised data.

    Parameters
    ----------
    X
        ``(n_cells, n_features)`` normalised data, dense or sparse.
    n_components
        Number of components; capped at ``min(n_cells, n_features) - 1`` with a log line.
    seed
        Seed of the randomised solver.
    n_iter
        Power iterations of the randomised solver (sklearn's default).

    Returns
    -------
    The fitted :class:`SVDBasis`.
    """
    from sklearn.decomposition import TruncatedSVD

    from ._checks import refuse_annotated

    refuse_annotated(X, "fit_svd", "X", "fit_svd(log_normalize(adata.layers['counts']))")
    n_components, seed = fit_numbers(n_components, seed)
    max_k = min(X.shape) - 1
    if max_k < 1:
        raise ValueError(f"cannot fit an SVD to data of shape {X.shape}: need at least 2 cells and 2 features")
    k = min(n_components, max_k)
    if k < n_components:
        logger.info("SVD: %d components requested, data of shape %s allows %d", n_components, X.shape, k)
    svd = TruncatedSVD(n_components=k, n_iter=n_iter, random_state=seed, algorithm="randomized")
    svd.fit(X)
    return SVDBasis(components=np.ascontiguousarray(svd.components_, dtype=np.float32))
