"""Checks that a matrix holds raw counts jae can use: finite, non-negative, integer, no empty cells."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["validate_counts"]

_CHUNK = 1 << 22
_RAW_HINT = "jae needs raw counts; pass layer='counts' or the raw matrix"


def _values(X) -> np.ndarray:
    """The stored values of ``X`` (``.data`` for sparse matrices, so zeros are never scanned)."""
    if sp.issparse(X):
        return X.data
    return np.asarray(X).ravel()


def validate_counts(X, *, name: str) -> None:
    """Check that ``X`` (cells x features) holds raw counts.

    Only the stored values are scanned for sparse matrices (``X.data``), so the check is linear in the number of
    non-zeros.

    Parameters
    ----------
    X
        Count matrix, cells x features: scipy sparse or dense array.
    name
        What ``X`` is (e.g. ``"mdata['atac'] layer 'counts'"``), used in error messages.

    Returns
    -------
    None; the matrix is not modified.

    Raises
    ------
    ValueError
        For an empty matrix (0 cells or 0 features), NaN or infinite values, negative values, non-integer values
        or cells whose counts are all zero. The message names the problem and how to fix it.
    """
    n_obs, n_vars = X.shape
    if n_obs == 0 or n_vars == 0:
        raise ValueError(
            f"{name} is empty ({n_obs} cells x {n_vars} features); jae needs at least one cell and one feature "
            "in each modality: check the file and any subsetting done before"
        )
    values = _values(X)
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        raise ValueError(f"{name} has dtype {values.dtype}, not numbers; {_RAW_HINT}")
    if np.issubdtype(values.dtype, np.floating):
        n_bad = n_neg = n_frac = 0
        example = None
        for start in range(0, values.size, _CHUNK):  # in blocks, to bound the temporary memory
            block = values[start : start + _CHUNK]
            n_bad += block.size - int(np.count_nonzero(np.isfinite(block)))
            n_neg += int(np.count_nonzero(block < 0))
            frac = block != np.floor(block)
            n_frac_block = int(np.count_nonzero(frac))
            if n_frac_block and example is None:
                example = block[frac][0]
            n_frac += n_frac_block
        if n_bad:
            raise ValueError(f"{name} has {n_bad} NaN or infinite values; {_RAW_HINT}")
        if n_neg:
            raise ValueError(f"{name} has {n_neg} negative values; {_RAW_HINT}")
        if n_frac:
            raise ValueError(
                f"{name} has {n_frac} non-integer values (e.g. {example:g}), so it looks normalised; {_RAW_HINT}"
            )
    elif values.dtype != bool and values.size and values.min() < 0:
        n_neg = int(np.count_nonzero(values < 0))
        raise ValueError(f"{name} has {n_neg} negative values; {_RAW_HINT}")
    totals = np.asarray(X.sum(axis=1)).ravel()
    n_zero = int(np.count_nonzero(totals == 0))
    if n_zero:
        raise ValueError(
            f"{n_zero} of {n_obs} cells have zero total counts in {name}; remove them from both modalities first, "
            "e.g. sc.pp.filter_cells(adata, min_counts=1) on each modality then mu.pp.intersect_obs(mdata)"
        )
