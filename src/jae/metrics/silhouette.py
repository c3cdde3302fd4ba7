"""Silhouette widths on an embedding (euclidean), in distance blocks: cell-type ASW and batch ASW as in scib.

``asw_label`` is scib's ``silhouette(adata, 'cell_type', embed)``: the mean silhouette width of the cell types,
rescaled to (s + 1) / 2. ``asw_batch`` is scib's ``silhouette_batch``: within each cell type, the silhouette of the
batches per cell, turned into 1 - |s|, averaged per cell type and then over cell types (cell types present in a
single batch, or with one cell per batch, are skipped).

Both are O(n^2) in distances when exact (``max_cells=None``, the default). With ``max_cells`` (what
:func:`jae.metrics.evaluate_embedding` passes on its approximate path, :data:`ASW_MAX_CELLS`), a group of more cells
than that (all cells for ``asw_label``, one cell type's cells for ``asw_batch``) is scored on a seeded uniform sample
of ``max_cells`` of its cells, each sampled cell's silhouette still exact (its distances to every cell of the group):
``max_cells * n`` distances instead of ``n^2``, an unbiased estimate of the mean (standard error about
``std(s) / sqrt(max_cells)``, ~0.002 on the rescaled score for 10,000 cells).
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Sequence

import numpy as np

from ..config import as_seed
from ._graph import (
    _BLOCK_ENTRIES,
    FUSED_MIN_SUMS,
    _as_float_matrix,
    _knn_and_cluster_sums_fused,
    distance_blocks,
    float32_tensor,
    resolve_device,
)
from ._labels import as_labels, by_cells, codes, one_cell_order

__all__ = ["silhouette_samples", "silhouette_from_sums", "asw_label", "asw_batch", "ASW_MAX_CELLS"]

log = logging.getLogger(__name__)

#: Why asw_batch is undefined: no cell type is scored (scib's silhouette_batch skips a type of one batch, or of one
#: cell per batch: a type of two cells in two batches spans them, but has no batch silhouette to take).
NO_MIXED_TYPE = ("no cell type spans two batches with more of its cells than batches (scib's asw_batch skips a type of "
                 "one batch, or of one cell per batch)")
#: Cells whose silhouettes are averaged per group on the approximate path (see the module docstring).
ASW_MAX_CELLS = 10_000
_ROW_BLOCK = 2048  # sampled cells per distance block


def _check_max_cells(max_cells) -> None:
    """Refuse, in one line, a ``max_cells`` that is neither None nor a whole number >= 1 (True and
    2.5 failed in numpy, '10' in a comparison)."""
    if max_cells is not None and (isinstance(max_cells, bool) or not isinstance(max_cells, numbers.Integral)
                                  or max_cells < 1):
        raise ValueError(f"max_cells must be a whole number >= 1 of cells (e.g. {ASW_MAX_CELLS}) or None for every "
                         f"cell, not {max_cells!r}")


def _sample_rows(n: int, max_cells: int | None, seed) -> np.ndarray | None:
    """Sorted seeded sample of ``max_cells`` of ``n`` rows, or None when all rows are kept."""
    if max_cells is None or n <= max_cells:
        return None
    if max_cells < 1:
        raise ValueError(f"max_cells must be a positive number of cells or None; got {max_cells}")
    return np.sort(np.random.default_rng(seed).choice(n, size=max_cells, replace=False))


def _row_cluster_sums(X: np.ndarray, code: np.ndarray, k: int, rows: np.ndarray, *, device=None) -> np.ndarray:
    """``(len(rows), k)`` float64 sums of euclidean distances from the cells ``rows`` to every cluster's cells."""
    import torch

    dev = resolve_device(device)
    Xt = float32_tensor(X, dev)
    Xt = Xt - Xt.mean(dim=0, keepdim=True)  # centring keeps the |x|^2 - 2xy + |y|^2 trick accurate
    sq = (Xt * Xt).sum(dim=1)
    n = Xt.shape[0]
    onehot = torch.zeros((n, k), dtype=Xt.dtype, device=dev)
    onehot[torch.arange(n, device=dev), torch.as_tensor(code, device=dev)] = 1.0
    cols = max(1, _BLOCK_ENTRIES // _ROW_BLOCK)
    out = np.empty((len(rows), k), dtype=np.float64)
    for r0 in range(0, len(rows), _ROW_BLOCK):
        ridx = torch.as_tensor(rows[r0 : r0 + _ROW_BLOCK], device=dev)
        A, sa = Xt[ridx], sq[ridx]
        acc = torch.zeros((len(ridx), k), dtype=torch.float64, device=dev)
        for c0 in range(0, n, cols):
            c1 = min(n, c0 + cols)
            D = torch.addmm(sa[:, None] + sq[None, c0:c1], A, Xt[c0:c1].T, alpha=-2.0)
            D.clamp_(min=0.0).sqrt_()
            inside = torch.nonzero((ridx >= c0) & (ridx < c1)).ravel()
            D[inside, ridx[inside] - c0] = 0.0  # a cell's distance to itself: exactly 0
            acc += (D @ onehot[c0:c1]).double()
        out[r0 : r0 + len(ridx)] = acc.cpu().numpy()
    return out


def silhouette_samples(X, labels: Sequence, *, device: str | None = None) -> np.ndarray:
    """Silhouette width of every cell (euclidean), as ``sklearn.metrics.silhouette_samples``.

    Parameters
    ----------
    X
        ``(n_cells, n_dims)`` array.
    labels
        ``(n_cells,)`` cluster labels; at least 2 and at most ``n_cells - 1`` distinct values.
    device
        Torch device for the distance blocks; default CUDA when available.

    Returns
    -------
    ``(n_cells,)`` float64 array in [-1, 1]; 0 for cells alone in their cluster.
    """
    X = _as_float_matrix(X)
    cats, code = codes(as_labels(labels, name="labels", n_cells=X.shape[0]))
    n, k = len(code), len(cats)
    if not 2 <= k <= n - 1:
        raise ValueError(f"silhouette needs 2 to n_cells - 1 distinct labels; got {k} for {n} cells")
    return _silhouette_codes(X, code, k, device=device)


def _silhouette_codes(
    X: np.ndarray, code: np.ndarray, k: int, *, device: str | None = None, max_cells: int | None = None, seed=0
) -> np.ndarray:
    """:func:`silhouette_samples` for integer labels ``code`` in ``0..k-1`` (no checks); with more than
    ``max_cells`` cells, the silhouettes of a seeded sample of ``max_cells`` of them (against all cells)."""
    n = len(code)
    rows = _sample_rows(n, max_cells, seed)
    if rows is not None:
        return silhouette_from_sums(_row_cluster_sums(X, code, k, rows, device=device), code, rows=rows)
    if resolve_device(device).type == "cpu" and n >= FUSED_MIN_SUMS:  # each pair once, in cache-sized tiles
        _, _, sums = _knn_and_cluster_sums_fused(X, code, 1)
        return silhouette_from_sums(sums, code)
    import torch

    out = np.empty(n, dtype=np.float64)
    onehot = None
    for start, stop, D in distance_blocks(X, device=device):
        if onehot is None:
            onehot = torch.zeros((n, k), dtype=D.dtype, device=D.device)
            onehot[torch.arange(n, device=D.device), torch.as_tensor(code, device=D.device)] = 1.0
        out[start:stop] = silhouette_from_sums((D @ onehot).double().cpu().numpy(), code, rows=slice(start, stop))
    return out


def silhouette_from_sums(sums: np.ndarray, code: np.ndarray, *, rows: slice | np.ndarray | None = None) -> np.ndarray:
    """Silhouette widths from each cell's distance sums to every cluster.

    Parameters
    ----------
    sums
        ``(n_rows, n_clusters)`` sums of distances from the cells of ``rows`` to the members of each cluster.
    code
        ``(n_cells,)`` cluster index of every cell (all cells, for the cluster sizes).
    rows
        Which cells ``sums`` describes, a slice or row indices (default: all).

    Returns
    -------
    ``(n_rows,)`` silhouette widths (0 for cells alone in their cluster).
    """
    rows = rows if rows is not None else slice(0, len(code))
    sizes = np.bincount(code, minlength=sums.shape[1]).astype(np.float64)
    own = code[rows]
    idx = np.arange(len(own))
    own_size = sizes[own]
    a = sums[idx, own] / np.maximum(own_size - 1, 1)
    means = sums / sizes[None, :]
    means[idx, own] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own_size <= 1] = 0.0
    return np.nan_to_num(s)


def asw_label(
    embedding, cell_type: Sequence, *, device: str | None = None, max_cells: int | None = None, seed: int = 0
) -> float:
    """Cell-type average silhouette width, rescaled: ``(mean silhouette + 1) / 2``.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    cell_type
        ``(n_cells,)`` labels.
    device
        Torch device; default CUDA when available.
    max_cells
        None (default): every cell's silhouette. A number: above it, the mean over a seeded sample of that many
        cells (each still against all cells; see the module docstring).
    seed
        Seed of that sample.

    Returns
    -------
    Score in [0, 1] (higher: cell types better separated); NaN when there is a single cell type.
    """
    seed = as_seed(seed)  # numpy's refusal came only when a sample was drawn, naming no argument
    _check_max_cells(max_cells)
    X = _as_float_matrix(embedding)
    labels = as_labels(by_cells(embedding, cell_type, "cell_type"), name="cell_type", n_cells=X.shape[0])
    n_types = len(np.unique(labels))
    if n_types < 2 or n_types > len(labels) - 1:
        log.warning("asw_label is undefined for %d cell types in %d cells; reporting NaN", n_types, len(labels))
        return float("nan")
    if max_cells is None:
        return float((silhouette_samples(X, labels, device=device).mean() + 1.0) / 2.0)
    _, code = codes(labels)
    s = _silhouette_codes(X, code, n_types, device=device, max_cells=max_cells, seed=seed)
    return float((s.mean() + 1.0) / 2.0)


def asw_batch(
    embedding,
    batch: Sequence,
    cell_type: Sequence,
    *,
    device: str | None = None,
    max_cells: int | None = None,
    seed: int = 0,
) -> float:
    """Batch mixing within cell types: mean over cell types of the mean ``1 - |silhouette of the batches|``.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    batch, cell_type
        ``(n_cells,)`` labels.
    device
        Torch device; default CUDA when available.
    max_cells
        None (default): every cell. A number: a cell type with more cells is scored on a seeded sample of that many
        of them (each against all cells of its type; see the module docstring).
    seed
        Seed of those samples.

    Returns
    -------
    Score in [0, 1] (higher: batches better mixed); NaN when no cell type spans two batches with more of its cells
    than batches (e.g. one batch, or one cell of each type per batch).
    """
    seed = as_seed(seed)
    _check_max_cells(max_cells)
    X = _as_float_matrix(embedding)
    one_cell_order(embedding, batch=batch, cell_type=cell_type)
    _, batch_code = codes(as_labels(by_cells(embedding, batch, "batch"), name="batch", n_cells=X.shape[0]))
    _, type_code = codes(as_labels(by_cells(embedding, cell_type, "cell_type"), name="cell_type", n_cells=X.shape[0]))
    per_type = []
    for t in range(int(type_code.max()) + 1):
        mask = type_code == t
        present, code = np.unique(batch_code[mask], return_inverse=True)
        if len(present) == 1 or len(present) == mask.sum():
            continue
        s = _silhouette_codes(X[mask], code.astype(np.int64), len(present), device=device, max_cells=max_cells,
                              seed=[seed, t])
        per_type.append(np.mean(1.0 - np.abs(s)))
    if not per_type:
        log.warning("asw_batch is undefined: %s; reporting NaN", NO_MIXED_TYPE)
        return float("nan")
    return float(np.mean(per_type))
