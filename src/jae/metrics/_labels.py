"""Checking and encoding per-cell labels (cell type, batch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["as_labels", "by_cells", "codes", "one_cell_order"]


def as_labels(values, *, name: str, n_cells: int | None = None, of: str = "the embedding") -> np.ndarray:
    """``values`` as a 1-D array of strings, with no missing entries; ``of``: what has the ``n_cells`` cells, in the
    error for another length.

    Raises
    ------
    ValueError
        When the length differs from ``n_cells`` or a label is missing.
    """
    if not isinstance(values, pd.Series):
        shape = np.shape(values)
        if len(shape) > 1 and sum(d > 1 for d in shape[1:]):  # several columns: read row by row as 2n labels
            raise ValueError(f"{name} has shape {shape}, several values per cell; pass one label per cell, e.g. "
                             f"obs[{name!r}]")
    series = pd.Series(np.asarray(values, dtype=object).ravel() if not isinstance(values, pd.Series) else values)
    if n_cells is not None and len(series) != n_cells:
        raise ValueError(f"{name} has {len(series)} entries but {of} has {n_cells} cells; align them by cell")
    missing = int(series.isna().sum())
    if missing:
        raise ValueError(f"{name} has {missing} missing labels; drop those cells or fill the labels first")
    return series.astype(str).to_numpy()


def by_cells(embedding, values, name: str):
    """``values`` (per-cell labels or pseudotimes) in the order of the cells of ``embedding``, as pandas aligns: when
    the embedding is a DataFrame indexed by cell names (``pd.DataFrame(adata.obsm['X_jae'], index=adata.obs_names)``)
    and ``values`` a Series or DataFrame indexed by the same names in another order, reordered to the embedding's;
    values indexed by other names than all of the embedding's cells are refused (they were scored by position,
    silently pairing each cell with another's label); an index of no cell name (0..n-1) or an array: by position."""
    cells = embedding.index if isinstance(embedding, pd.DataFrame) else None
    if cells is None or not isinstance(values, (pd.Series, pd.DataFrame)) or values.index.equals(cells):
        return values
    found = values.index.isin(cells)
    if found.all() and len(values) == len(cells) and values.index.is_unique and cells.is_unique:
        return values.reindex(cells)
    if not found.any():
        return values
    unknown = values.index[~found]
    which = (f"{len(unknown)} of its {len(values)} names are not among them, e.g. {unknown[0]!r}" if len(unknown)
             else f"its {len(values)} names are not all the embedding's {len(cells)} cells, once each")
    raise ValueError(f"{name} is indexed by other cells than the embedding's index ({which}); pass the values of the "
                     f"embedding's cells, e.g. {name}=obs[...].reindex(embedding.index)")


def one_cell_order(embedding, **values) -> None:
    """Refuse per-cell ``values`` (labels, pseudotimes) given as pandas objects indexed by the same cell names in
    different orders when ``embedding`` is an array: it names no cells to align them by, so each is read by position
    and one pairs cells with other cells' values (e.g. ``cell_type=solution.obs['cell_type']`` beside
    ``batch=adata.obs['batch']``, the solution's cells in another order), with no message. A DataFrame embedding
    aligns each by name (:func:`by_cells`); values without cell names (an array, an index 0..n-1) or of other cells
    are read by position, as before."""
    if isinstance(embedding, pd.DataFrame):
        return
    named = [(name, v.index) for name, v in values.items()
             if isinstance(v, (pd.Series, pd.DataFrame)) and not isinstance(v.index, pd.RangeIndex)]
    for name, index in named[1:]:
        first, cells = named[0]
        if index.equals(cells) or len(index) != len(cells) or not index.isin(cells).any():
            continue
        differ = np.flatnonzero(index.astype(str).to_numpy() != cells.astype(str).to_numpy())
        if not len(differ):  # the same names, told apart only by the index's dtype
            continue
        at = int(differ[0])
        raise ValueError(f"{first} and {name} hold their cells in different orders (cell {at} is {cells[at]!r} in "
                         f"{first}, {index[at]!r} in {name}), and the embedding, an array, has no cell names to align "
                         "them by: each would be read by position. Pass the embedding as a DataFrame indexed by its "
                         "cells, pandas.DataFrame(embedding, index=obs_names), or both in the embedding's cell order, "
                         f"e.g. {name}={name}.reindex(obs_names)")


def codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(categories, codes)``: sorted unique labels and each cell's index into them."""
    categories, inverse = np.unique(labels, return_inverse=True)
    return categories, inverse.astype(np.int64)
