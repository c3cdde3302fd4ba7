"""The seed's per-cell normalisation: L1-normalise counts per cell, scale by 1e4, log10(1 + x)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["log_normalize", "SCALE"]

#: Target total per cell after L1 normalisation (seed slide "Data preprocessing", step 2).
SCALE = 1e4


def log_normalize(X, *, scale: float = SCALE, dtype=np.float32):
    """Normalise raw counts the way the seed did.

    Each cell (row) is divided by its total count, multiplied by ``scale`` and transformed with
    ``log10(1 + x)``. The input is never modified.

    Parameters
    ----------
    X
        Raw counts, ``(n_cells, n_features)``, dense or scipy sparse. Cells with zero total counts must be
        removed first (:func:`jae.io.validate_counts` rejects them).
    scale
        Total per cell after L1 normalisation.
    dtype
        Floating point type of the result.

    Returns
    -------
    ``(n_cells, n_features)`` CSR matrix for sparse input, ndarray for dense input, of ``dtype``.
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=dtype, copy=True)
        totals = np.asarray(X.sum(axis=1)).ravel()
        if np.any(totals <= 0):
            raise ValueError("log_normalize: some cells have zero total counts; remove them first")
        X.data *= np.repeat((scale / totals).astype(dtype), np.diff(X.indptr))
        np.log1p(X.data, out=X.data)
        X.data /= dtype(np.log(10.0))
        return X
    X = np.array(X, dtype=dtype, copy=True)
    totals = X.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError("log_normalize: some cells have zero total counts; remove them first")
    X *= scale / totals
    np.log1p(X, out=X)
    X /= dtype(np.log(10.0))
    return X
