"""The cells :func:`jae.workflows.embed_files` embeds with a model made by :meth:`jae.JAE.map_query`: their batches
read (cells without one refused), and a warning when none of them is of a batch the model mapped."""

from __future__ import annotations

import logging

import numpy as np

from .._words import first_names
from ..mapping.batches import shown_order

logger = logging.getLogger("jae.workflows.joint")  # said as embed_files' own line

__all__ = ["check_mapped_cells"]


def check_mapped_cells(model, data) -> None:
    """Read each cell's batch from the column the mapping read (:meth:`jae.mapping.adapter.QueryAdapter.batch_column`,
    which refuses cells without one, unless the column the reference was fitted with holds their reference batch) and
    warn when no cell is of a mapped batch: then no shift is applied to any cell. The usual cause is a query mapped
    under other batch names (renamed in an annotation file, as jae map's refusal of known batch names suggests) and
    embedded without that file, which places the query cells as the reference's. Cells that all took their reference
    batch (the reference's own file, without the mapping's column) are not warned about: that is their embedding."""
    adapter = model.adapter
    column = adapter.batch_column(data, model.batches, getattr(model, "batch_key", None), warn=False)
    batches = np.asarray(column).astype(str)
    mapped = shown_order(adapter.batches)  # numeric names in numeric order, for the message only
    if not len(batches) or np.isin(batches, mapped).any() or column.attrs.get("from_reference") == len(batches):
        return
    held = list(dict.fromkeys(batches.tolist()))
    shown = first_names((repr(b) for b in held), rest="in all")
    logger.warning(
        "none of the %d cells is of a batch this model mapped (%s, in obs[%r]; these cells': %s), so no cell gets "
        "a mapped shift: they are embedded as the reference model embeds them. If they are query cells mapped under "
        "other batch names (e.g. renamed in an annotation file), pass that file too (annotations=FILE)",
        len(batches), ", ".join(repr(b) for b in mapped), adapter.batch_key, shown)
