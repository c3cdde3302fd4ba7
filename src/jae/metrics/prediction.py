"""Modality-prediction metrics: RMSE (the competition's score), MAE and Pearson correlation.

All take the true and predicted normalised target values (``(n_cells, n_features)``, dense or sparse; the
competition scored ``test_mod2.X``, the normalised values) and work in row blocks, so a large sparse target is never
densified at once. RMSE and MAE average over every entry (zeros included), as the competition's
``mean_squared_error(solution.X, prediction.X)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["rmse", "mae", "pearson"]

log = logging.getLogger(__name__)

_BLOCK_ENTRIES = 1 << 24  # entries per dense block (~128 MiB of float64)


def _rows(Y, name: str):
    """``Y`` in a form sliced by rows without densifying: CSR/CSC as they are, other sparse formats (COO, as
    ``scipy.io.mmread`` returns) as CSR, arrays, DataFrames and h5py datasets as they are, lists as arrays."""
    if sp.issparse(Y):
        return Y if Y.format in ("csr", "csc") else Y.tocsr()
    if hasattr(Y, "obs_names") and hasattr(Y, "X"):
        raise TypeError(f"{name} is an AnnData; pass its normalised values, e.g. {name}=adata.X (or a layer), its cells "
                        "and features in the other argument's order, since arrays are compared by position: "
                        f"{name}=adata[other.obs_names, other.var_names].X; two DataFrames (adata.to_df()) are "
                        "matched by their labels")
    return Y if hasattr(Y, "shape") and hasattr(Y, "__getitem__") else np.asarray(Y)


def _aligned(y_true, y_pred):
    """``y_pred`` in ``y_true``'s cell and feature order when both are DataFrames labelled by the same names (they
    were compared by position); refused in one line when their labels differ."""
    if not (isinstance(y_true, pd.DataFrame) and isinstance(y_pred, pd.DataFrame)):
        return y_pred
    for axis, what in ((0, "cells (index)"), (1, "features (columns)")):
        a, b = y_true.axes[axis], y_pred.axes[axis]
        if a.equals(b):
            continue
        if not (a.is_unique and b.is_unique and len(a) == len(b) and b.isin(a).all()):
            raise ValueError(f"y_true and y_pred are DataFrames of other {what}; predict every cell and feature of "
                             "the target, labelled as in y_true")
        y_pred = y_pred.reindex(a, axis=axis)
    return y_pred


def _blocks(y_true, y_pred) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    y_pred = _aligned(y_true, y_pred)
    y_true, y_pred = _rows(y_true, "y_true"), _rows(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}; predict every cell and feature of the "
            "target, in the same order"
        )
    if len(y_true.shape) != 2 or 0 in y_true.shape:
        raise ValueError(f"prediction metrics need non-empty 2-D arrays (n_cells, n_features); got {y_true.shape}")
    n, p = y_true.shape
    rows = max(1, _BLOCK_ENTRIES // p)
    for start in range(0, n, rows):
        blocks = []
        for Y, name in ((y_true, "y_true"), (y_pred, "y_pred")):
            B = Y[start : start + rows]
            B = B.toarray() if sp.issparse(B) else np.asarray(B)
            try:  # text failed in numpy ('could not convert string to float'), complex lost its imaginary part
                if np.iscomplexobj(B):
                    raise TypeError
                blocks.append(B.astype(np.float64, copy=False))
            except (TypeError, ValueError):
                raise TypeError(f"prediction metrics: {name} holds {B.dtype} values, not real numbers; pass the "
                                "normalised values as numbers") from None
        for name, B in zip(("y_true", "y_pred"), blocks):  # a NaN in y_true (an unmeasured cell) is no prediction's
            if not np.isfinite(B).all():
                raise ValueError(f"prediction metrics: {name} has NaN or infinite values; " + (
                    "predict finite values for every entry" if name == "y_pred" else
                    "score only the cells measured in every feature (leave the others out of y_true and y_pred)"))
        yield blocks[0], blocks[1]


def _mean_error(y_true, y_pred, term) -> float:
    """Mean of ``term(y_true - y_pred)`` over all entries, summed block by block (:func:`rmse`, :func:`mae`)."""
    total, count = 0.0, 0
    for t, p in _blocks(y_true, y_pred):
        total += float(term(t - p).sum())
        count += t.size
    return total / count


def rmse(y_true, y_pred) -> float:
    """Root mean squared error over all entries (the competition's modality-prediction score; lower is better).

    Parameters
    ----------
    y_true, y_pred
        ``(n_cells, n_features)`` normalised target values, dense or sparse, same cell and feature order (two
        DataFrames are aligned by their cell and feature labels).

    Returns
    -------
    ``sqrt(mean((y_true - y_pred) ** 2))``.
    """
    return float(np.sqrt(_mean_error(y_true, y_pred, lambda diff: diff**2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error over all entries.

    Parameters
    ----------
    y_true, y_pred
        ``(n_cells, n_features)`` arrays, dense or sparse.

    Returns
    -------
    ``mean(|y_true - y_pred|)``.
    """
    return float(_mean_error(y_true, y_pred, np.abs))


def pearson(y_true, y_pred) -> float:
    """Pearson correlation of all entries (flattened), as the competition's ``cor_pearson``.

    Parameters
    ----------
    y_true, y_pred
        ``(n_cells, n_features)`` arrays, dense or sparse.

    Returns
    -------
    Correlation in [-1, 1]; NaN when either side is constant.
    """
    n = 0
    sx = sy = sxx = syy = sxy = 0.0
    shift_x = shift_y = None
    for t, p in _blocks(y_true, y_pred):
        if shift_x is None:  # shifting by a first-block mean keeps the one-pass sums accurate
            shift_x, shift_y = float(t.mean()), float(p.mean())
        t = t - shift_x
        p = p - shift_y
        n += t.size
        sx += float(t.sum())
        sy += float(p.sum())
        sxx += float((t * t).sum())
        syy += float((p * p).sum())
        sxy += float((t * p).sum())
    cov = sxy - sx * sy / n
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    if vx <= 0 or vy <= 0:
        constant = " and ".join(name for name, v in (("y_true", vx), ("y_pred", vy)) if v <= 0)
        log.warning("pearson is undefined: %s %s constant (no variance to correlate); reporting NaN", constant,
                    "are" if " and " in constant else "is")
        return float("nan")
    return float(cov / np.sqrt(vx * vy))
