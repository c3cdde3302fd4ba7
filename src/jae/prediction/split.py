"""Seeded validation splits of the training cells and block-wise squared errors."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from ..train.loop import split_validation

__all__ = ["validation_split", "block_sse"]

#: Fewest validation cells a split keeps, so that early stopping and model selection see some signal.
MIN_VAL_CELLS = 10


def validation_split(n_cells: int, fraction: float, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split ``n_cells`` training cells into fit and validation indices (:func:`jae.train.split_validation`).

    Returns
    -------
    ``(fit_idx, val_idx)``: sorted int arrays; the validation part has ``max(MIN_VAL_CELLS, fraction * n)``
    cells, at most half of them.
    """
    if n_cells < 4:
        raise ValueError(f"train_source and train_target hold {n_cells} paired training cell{'s' * (n_cells != 1)}; "
                         "at least 4 are needed to hold out a validation split: pass more training cells")
    return split_validation(n_cells, fraction, seed=seed, min_val=MIN_VAL_CELLS, max_val=n_cells // 2)


def block_sse(blocks: Iterable, Y) -> float:
    """Sum of squared errors between prediction row blocks (dense or sparse, in order) and the target ``Y``."""
    total, start = 0.0, 0
    for block in blocks:
        stop = start + block.shape[0]
        total += _sse(block, Y[start:stop])
        start = stop
    if start != Y.shape[0]:
        raise ValueError(f"predictions cover {start} cells but the target has {Y.shape[0]}")
    return total


def _sse(pred, truth) -> float:
    if sp.issparse(pred) and sp.issparse(truth):
        diff = (pred - truth).tocsr()
        return float(np.sum(diff.data.astype(np.float64) ** 2))
    if sp.issparse(pred):
        pred, truth = truth, pred
    pred = np.asarray(pred, dtype=np.float64)
    if not sp.issparse(truth):
        return float(np.sum((pred - np.asarray(truth, dtype=np.float64)) ** 2))
    # dense prediction, sparse truth: sum(p^2) - 2 sum(p * t) + sum(t^2) over the stored entries only
    truth = sp.csr_matrix(truth)
    rows = np.repeat(np.arange(truth.shape[0]), np.diff(truth.indptr))
    t = truth.data.astype(np.float64)
    return float(np.sum(pred**2) - 2.0 * np.sum(pred[rows, truth.indices] * t) + np.sum(t**2))
