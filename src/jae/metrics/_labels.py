"""Checking and encoding per-cell labels (cell type, batch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["as_labels", "codes"]


def as_labels(values, *, name: str, n_cells: int | None = None) -> np.ndarray:
    """``values`` as a 1-D array of strings, with no missing entries.

    Raises
    ------
    ValueError
        When the length differs from ``n_cells`` or a label is missing.
    """
    series = pd.Series(np.asarray(values, dtype=object).ravel() if not isinstance(values, pd.Series) else values)
    if n_cells is not None and len(series) != n_cells:
        raise ValueError(f"{name} has {len(series)} entries but the embedding has {n_cells} cells; align them by cell")
    missing = int(series.isna().sum())
    if missing:
        raise ValueError(f"{name} has {missing} missing labels; drop those cells or fill the labels first")
    return series.astype(str).to_numpy()


def codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(categories, codes)``: sorted unique labels and each cell's index into them."""
    categories, inverse = np.unique(labels, return_inverse=True)
    return categories, inverse.astype(np.int64)
