"""The seed's per-cell normalisation: L1-normalise counts per cell, scale by 1e4, log10(1 + x).

Sparse input is normalised in place on a CSR copy (``copy=False``: on the caller's float32 CSR block, as the
streaming preprocessing does with the blocks it has just read). Counts are small whole numbers: most stored values
of a cell are 1-10 (ATAC) or 1-100 (RNA). So each cell's result for every whole count up to :data:`TABLE_COUNTS` is
computed once, by numpy (``log1p(count * factor) / log(10)`` on a ``(cells, TABLE_COUNTS + 1)`` table), and a
compiled pass over the stored values looks each one up (on :func:`jae._threads.compute_threads` threads); the few
other values (larger or fractional counts) are computed by numpy afterwards with the same operations. Every number
is therefore what numpy's element-wise ``x * factor``, ``log1p`` and division give, bit for bit, at a fraction of
the cost: ``log1p`` of every stored value was the largest cost of the streaming preprocessing (about 13 ns per
value on one core, a third of a 300,000-cell Multiome pass).
"""

from __future__ import annotations

import numbers

import numba
import numpy as np
import scipy.sparse as sp

from .._compiled import compiled
from .._flags import check_flags
from .._threads import numba_threads

__all__ = ["log_normalize", "clr", "SCALE", "TABLE_COUNTS"]

#: Target total per cell after L1 normalisation (seed slide "Data preprocessing", step 2).
SCALE = 1e4

#: Whole counts up to this are looked up in each cell's table (:func:`log_normalize`); larger ones are computed.
TABLE_COUNTS = 255


def log_normalize(X, *, scale: float = SCALE, dtype=np.float32, copy: bool = True):
    """Normalise raw counts the way the seed did.

    Each cell (row) is divided by its total count, multiplied by ``scale`` and transformed with
    ``log10(1 + x)``. The input is not modified, unless ``copy=False``.

    Parameters
    ----------
    X
        Raw counts, ``(n_cells, n_features)``, dense or scipy sparse. Cells with zero total counts must be
        removed first (:func:`jae.io.validate_counts` rejects them); negative, NaN and infinite values are refused.
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
    from ._checks import refuse_annotated

    refuse_annotated(X, "log_normalize", "X", "log_normalize(adata.layers['counts'])")
    check_flags(copy=copy)  # a text 'no' is truthy (a copy), an empty text falsy (the caller's matrix changed)
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not 0 < scale < np.inf:  # -1: log of < 1
        raise ValueError(f"log_normalize: scale must be a positive number (the total per cell), not {scale!r}")
    try:  # 'float32' failed on dense input with "'str' object is not callable", an integer type in numpy's log1p
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype is None or not np.issubdtype(dtype, np.floating):
        raise ValueError("log_normalize: dtype must be a floating point type (the result's), e.g. numpy.float32")
    if scale > float(np.finfo(dtype).max):  # every scaled value is at most scale: inf for every cell, without a word
        raise ValueError(f"log_normalize: scale={scale:g} exceeds the largest {dtype.name} "
                         f"({float(np.finfo(dtype).max):.0f}); pass dtype=numpy.float32 (the default) or a smaller scale")
    if sp.issparse(X) and dtype.itemsize < 4:  # scipy's "does not support dtype float16", after the checks above
        raise ValueError(f"log_normalize: dtype={dtype.name} for a sparse matrix, which scipy cannot store in "
                         f"{dtype.name}; pass dtype=numpy.float32 (the default)")
    if sp.issparse(X):
        in_place = not copy and X.format == "csr" and X.data.dtype == np.dtype(dtype)
        X = X if in_place else sp.csr_matrix(X, dtype=dtype, copy=True)
        X.sum_duplicates()  # a cell's gene in two entries is one count, as row blocks of a file hold it (no-op if none)
        totals = np.asarray(X.sum(axis=1)).ravel()
        if not np.isfinite(totals).all():  # before any value is changed (copy=False: the caller's block)
            raise ValueError(_not_finite(int(np.count_nonzero(~np.isfinite(X.data)))))
        if np.any(totals <= 0):
            if negative := int(np.count_nonzero(X.data < 0)):  # a cell's total brought to 0 or below by them
                raise ValueError(_negative(negative))
            raise ValueError("log_normalize: some cells have zero total counts; remove them first")
        _log_scale_in_place(X, (scale / totals).astype(dtype), dtype)
        return X
    X = np.array(X, dtype=dtype, copy=True)
    if np.any(X < 0):
        raise ValueError(_negative(int(np.count_nonzero(X < 0))))
    with np.errstate(over="ignore"):  # float16: a total above 65504 is inf, refused below in words
        totals = X.sum(axis=1, keepdims=True)
    if not np.isfinite(totals).all():  # NaN or inf: every value of the cell NaN or 0, without a word
        if np.isfinite(X).all():  # the values are finite, their total is not: the dtype cannot hold it
            raise ValueError(f"log_normalize: a cell's total count ({np.asarray(X, np.float64).sum(axis=1).max():.0f})"
                             f" exceeds the largest {dtype.name} ({float(np.finfo(dtype).max):.0f}); pass "
                             "dtype=numpy.float32 (the default)")
        raise ValueError(_not_finite(int(np.count_nonzero(~np.isfinite(X)))))
    if np.any(totals <= 0):
        raise ValueError("log_normalize: some cells have zero total counts; remove them first")
    X *= scale / totals
    np.log1p(X, out=X)
    X /= dtype.type(np.log(10.0))
    return X


def clr(X, depth: float | None = None) -> np.ndarray:
    """Centred log-ratio per cell, as the competition normalised proteins: ``log1p(x / exp(mean_j log1p(x_j)))``.

    Each cell's counts are divided by their geometric mean (of ``1 + x``, over the cell's proteins) instead of their
    total, so a few abundant proteins do not set every other protein's value. The input is not modified.

    Parameters
    ----------
    X
        ``(n_cells, n_features)`` raw counts.
    depth
        If given, each cell's counts are first scaled to this total (cells without counts stay zero): the pseudocount
        1 then weighs the same in every cell, so two runs sequenced to different depths get the same values (the
        plain CLR's ``1 + x`` keeps part of the depth; ``Preprocessor``'s ``"clr_depth"``).

    Returns
    -------
    ``(n_cells, n_features)`` dense float32 array (protein panels are narrow).
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    if depth is not None:
        totals = X.sum(axis=1, keepdims=True)
        X = X * (depth / np.where(totals > 0, totals, depth))
    geo = np.exp(np.log1p(X).mean(axis=1, keepdims=True))
    return np.log1p(X / geo).astype(np.float32)


def _not_finite(n: int) -> str:
    return (f"log_normalize: the matrix has {n} NaN or infinite values, so it holds no raw counts; pass raw counts, "
            "e.g. adata.layers['counts']")


def _negative(n: int) -> str:
    return (f"log_normalize: the matrix has {n} negative values, so it holds no raw counts (normalised or scaled "
            "values?); pass raw counts, e.g. adata.layers['counts']")


def _log_scale_in_place(X, factor: np.ndarray, dtype) -> None:
    """``X.data[p] = log1p(X.data[p] * factor[row]) / log(10)`` in the dtype, bit for bit numpy's (module docstring)."""
    dtype = np.dtype(dtype)
    ln10 = dtype.type(np.log(10.0))
    counts = np.arange(TABLE_COUNTS + 1, dtype=dtype)
    table = counts[None, :] * factor[:, None]  # the dtype's product, as numpy's x * factor on each stored value
    np.log1p(table, out=table)
    table /= ln10
    with numba_threads():
        missed = _look_up(X.indptr, X.data, table)
    missed = np.flatnonzero(missed)
    if len(missed):  # larger or fractional counts (flagged by the look-up): numpy, the same operations
        negative = int(np.count_nonzero(X.data[missed] < 0))  # log1p of them: NaN or a value below 0, unsaid
        if negative:
            raise ValueError(_negative(negative))
        rows = np.searchsorted(X.indptr, missed, side="right") - 1
        values = X.data[missed] * factor[rows]
        np.log1p(values, out=values)
        values /= ln10
        X.data[missed] = values


@compiled(nogil=True, parallel=True)
def _look_up(indptr, data, table):
    """Replace each stored whole count ``c <= TABLE_COUNTS`` of row ``i`` by ``table[i, c]``; flag the rest."""
    n_rows = indptr.shape[0] - 1
    top = table.shape[1] - 1
    missed = np.zeros(data.shape[0], dtype=np.bool_)
    for i in numba.prange(n_rows):
        for p in range(indptr[i], indptr[i + 1]):
            v = data[p]
            if v >= 0 and v <= top and v == np.floor(v):
                data[p] = table[i, np.int64(v)]
            else:
                missed[p] = True
    return missed
