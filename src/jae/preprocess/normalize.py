"""The seed's per-cell normalisation: L1-normalise counts per cell, scale by 1e4, log10(1 + x).

Sparse input: each cell's stored values are scaled in one compiled pass (instead of numpy's ``repeat`` of the
per-cell factors into a second array of the values' size), then ``log1p`` and the division run in place, so the
numbers are numpy's, bit for bit. ``copy=False`` normalises a float32 CSR block in place: the streaming
preprocessing does this on the blocks it has just read, which saves a copy of every block.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

__all__ = ["log_normalize", "SCALE"]

#: Target total per cell after L1 normalisation (seed slide "Data preprocessing", step 2).
SCALE = 1e4


def log_normalize(X, *, scale: float = SCALE, dtype=np.float32, copy: bool = True):
    """Normalise raw counts the way the seed did.

    Each cell (row) is divided by its total count, multiplied by ``scale`` and transformed with
    ``log10(1 + x)``. The input is not modified, unless ``copy=False``.

    Parameters
    ----------
    X
        Raw counts, ``(n_cells, n_features)``, dense or scipy sparse. Cells with zero total counts must be
        removed first (:func:`jae.io.validate_counts` rejects them).
    scale
        Total per cell after L1 normalisation.
    dtype
        Floating point type of the result.
    copy
        False: a CSR matrix of ``dtype`` is normalised in place and returned (other input is copied as usual).

    Returns
    -------
    ``(n_cells, n_features)`` CSR matrix for sparse input, ndarray for dense input, of ``dtype``.
    """
    if sp.issparse(X):
        in_place = not copy and X.format == "csr" and X.data.dtype == np.dtype(dtype)
        X = X if in_place else sp.csr_matrix(X, dtype=dtype, copy=True)
        totals = np.asarray(X.sum(axis=1)).ravel()
        if np.any(totals <= 0):
            raise ValueError("log_normalize: some cells have zero total counts; remove them first")
        _scale_rows(X.indptr, X.data, (scale / totals).astype(dtype))
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


@numba.njit(cache=True, nogil=True)
def _scale_rows(indptr, data, factor):
    """``data[p] *= factor[row of p]`` in place (the dtype's multiplication, as numpy's)."""
    for i in range(indptr.shape[0] - 1):
        f = factor[i]
        for p in range(indptr[i], indptr[i + 1]):
            data[p] *= f
