"""Diagnostics beside the six metrics: why an embedding scores what it scores. None of them enters ``overall``.

- ``ilisi`` / ``clisi``: batch mixing and cell-type separation by the local inverse Simpson index (scib's graph
  LISI, scaled to [0, 1], higher is better), a batch-mixing view beyond the silhouette.
- ``cc_before`` / ``cc_after``: the variance share of the cell-cycle scores in the GEX and in the embedding,
  averaged over batches (``cc_cons`` is 0 once after >= 2 x before).
- ``share:<block>``: each latent block's share of the embedding's total variance, when the column names are known
  (jae names columns ``<block>:<name>``, e.g. ``cell_type:B cell``, ``free:0``, ``pc:31``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._graph import NeighborGraph, _as_float_matrix, check_graph, check_scored_cells, neighbor_graph
from ._labels import as_labels, by_cells, one_cell_order
from .cell_cycle_cons import CellCycleReference, cc_cons_details, check_reference
from .mixing import _TOL, _Calibrated, _scaled_median, lisi_neighbors

__all__ = ["embedding_variance_shares", "diagnose_embedding", "DIAGNOSTICS", "block_of"]

log = logging.getLogger(__name__)

#: The diagnostics always reported (NaN when undefined), before the ``share:<block>`` entries.
DIAGNOSTICS = ("ilisi", "clisi", "cc_before", "cc_after")
#: Block name of a column whose name has no ``':'``.
OTHER_BLOCK = "other"


def block_of(column_name: str) -> str:
    """The block a column belongs to: its name up to the first ``':'`` (``'other'`` without one)."""
    name = str(column_name)
    return name.split(":", 1)[0] if ":" in name else OTHER_BLOCK


def _column_names(column_names, n_columns: int, *, caller: str) -> list[str]:
    """``column_names`` as a list of ``n_columns`` texts, refused in one line naming ``caller`` when it is one text
    (read letter by letter, 'abc' named three columns) or of another length."""
    if isinstance(column_names, str):
        raise TypeError(f"{caller}: column_names must hold one name per column (a list, e.g. JAE.column_names), not "
                        f"one text {column_names!r}")
    names = [str(c) for c in column_names]
    if len(names) != n_columns:
        raise ValueError(f"{caller}: {len(names)} column names for an embedding of {n_columns} columns; pass one name "
                         "per column (e.g. JAE.column_names)")
    return names


def embedding_variance_shares(embedding, column_names: Sequence[str]) -> pd.Series:
    """Each block's share of the embedding's total variance.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    column_names
        ``(n_dims,)`` names; a block is the part before the first ``':'`` (``'cell_type:B cell'`` is in block
        ``cell_type``, ``'pc:31'`` in ``pc``); names without ``':'`` form the block ``'other'``.

    Returns
    -------
    Series ``(n_blocks,)`` indexed by block in order of first appearance, the sum of the block's column variances
    over the sum of all column variances (shares add up to 1; NaN for a constant embedding). ``attrs['total']``
    holds the total variance (sum of the column variances, ddof 0).
    """
    E = _as_float_matrix(embedding)
    names = _column_names(column_names, E.shape[1], caller="embedding_variance_shares")
    variances = E.astype(np.float64, copy=False).var(axis=0)
    blocks = pd.Series(variances, index=[block_of(c) for c in names])
    per_block = blocks.groupby(level=0, sort=False).sum()
    total = float(variances.sum())
    shares = per_block / total if total > 0 else per_block * np.nan
    shares.index.name = "block"
    shares.name = "variance_share"
    shares.attrs["total"] = total
    return shares.astype(np.float64)


def _diagnostics(
    E: np.ndarray,
    *,
    batches: np.ndarray | None,
    types: np.ndarray | None,
    graph: NeighborGraph,
    cc_details: pd.DataFrame | None,
    column_names: Sequence[str] | None,
    no_cell_cycle: str | None = None,
) -> tuple[dict[str, float], dict[str, str]]:
    """The diagnostics as ``({name: value}, {name: why undefined})``, from already computed parts; ``no_cell_cycle``:
    why there is no cell-cycle reference (cc_cons's reason), when the caller knows it."""
    values: dict[str, float] = {}
    skipped: dict[str, str] = {}
    n_batches = 0 if batches is None else len(np.unique(batches))
    n_types = 0 if types is None else len(np.unique(types))
    # one path search and one weight calibration serve both LISIs (the weights do not depend on the labels)
    weights = _Calibrated(*lisi_neighbors(graph=graph), None, _TOL) if max(n_batches, n_types) >= 2 else None
    if n_batches < 2:
        values["ilisi"], skipped["ilisi"] = np.nan, "no batch labels given" if batches is None else "a single batch"
    else:
        values["ilisi"] = _scaled_median(weights.lisi(batches), n_batches, "ilisi")
    if n_types < 2:
        values["clisi"] = np.nan
        skipped["clisi"] = "no cell-type labels given" if types is None else "a single cell type"
    else:
        values["clisi"] = _scaled_median(weights.lisi(types), n_types, "clisi")
    if cc_details is None:
        values["cc_before"] = values["cc_after"] = np.nan
        skipped["cc_before"] = skipped["cc_after"] = no_cell_cycle or "no cell-cycle reference (pass gex= or cell_cycle=)"
    else:
        values["cc_before"] = float(cc_details["before"].mean())
        values["cc_after"] = float(cc_details["after"].mean())
    if column_names is not None:
        for block, share in embedding_variance_shares(E, column_names).items():
            values[f"share:{block}"] = float(share)
    return values, skipped


def diagnose_embedding(
    embedding,
    *,
    batch: Sequence | None = None,
    cell_type: Sequence | None = None,
    cell_cycle: CellCycleReference | None = None,
    column_names: Sequence[str] | None = None,
    graph: NeighborGraph | None = None,
    device: str | None = None,
) -> pd.Series:
    """Diagnostics of an embedding: iLISI, cLISI, cc_cons's before/after shares, block variance shares.

    :func:`jae.metrics.evaluate_embedding` computes the same values on its own kNN graph and returns them in
    ``attrs['diagnostics']``; call this one for an embedding on its own.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    batch, cell_type
        ``(n_cells,)`` labels for iLISI and cLISI (either may be None: that diagnostic is NaN).
    cell_cycle
        :func:`jae.metrics.cell_cycle_reference` of the same cells, for ``cc_before`` / ``cc_after``.
    column_names
        ``(n_dims,)`` column names for the ``share:<block>`` entries (e.g. ``JAE.column_names``).
    graph
        Precomputed :func:`jae.metrics.neighbor_graph` of the embedding (the 15-neighbour graph LISI walks on).
    device
        Torch device for the kNN search.

    Raises
    ------
    ValueError
        For fewer than 16 cells, as :func:`jae.metrics.evaluate_embedding` (:func:`ilisi` and :func:`clisi` too).

    Returns
    -------
    Series of floats indexed ``ilisi, clisi, cc_before, cc_after`` then ``share:<block>`` per block (when
    ``column_names`` is given); NaN when undefined, with the reason in ``attrs['skipped']``. The per-batch
    before/after shares are :func:`jae.metrics.cc_cons_details`.
    """
    check_graph(graph)
    E = _as_float_matrix(embedding)
    n = E.shape[0]
    check_scored_cells(n, "diagnose_embedding")  # evaluate_embedding's floor: a graph of every cell says nothing
    one_cell_order(embedding, batch=batch, cell_type=cell_type)
    batches = as_labels(by_cells(embedding, batch, "batch"), name="batch", n_cells=n) if batch is not None else None
    types = (as_labels(by_cells(embedding, cell_type, "cell_type"), name="cell_type", n_cells=n)
             if cell_type is not None else None)
    if column_names is not None:  # refused by the shares after the LISIs
        _column_names(column_names, E.shape[1], caller="diagnose_embedding")
    if cell_cycle is not None:
        check_reference(cell_cycle, "cell_cycle")
    if cell_cycle is not None and cell_cycle.n_cells != n:  # refused by cc_cons_details after the graph
        raise ValueError(f"diagnose_embedding: the cell_cycle reference covers {cell_cycle.n_cells} cells but the "
                         f"embedding has {n}; build the reference from the same cells")
    if graph is None:
        graph = neighbor_graph(E, device=device)
    elif graph.n_cells != n:
        raise ValueError(f"diagnose_embedding: the graph has {graph.n_cells} cells but the embedding has {n}")
    details = cc_cons_details(E, cell_cycle) if cell_cycle is not None else None
    values, skipped = _diagnostics(E, batches=batches, types=types, graph=graph, cc_details=details,
                                   column_names=column_names)
    out = pd.Series(values, dtype=np.float64)
    out.attrs["skipped"] = skipped
    return out
