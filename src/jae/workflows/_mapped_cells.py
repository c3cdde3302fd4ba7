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
    """Read each cell's batch from the column the mapping read (:meth:`jae.mapping.adapter.QueryAdapter.batches_of`,
    which refuses cells without one) and warn when no cell is of a mapped batch: then no shift is applied to any cell.
    The usual cause is a query mapped under other batch names (renamed in an annotation file, as jae map's refusal of
    known batch names suggests) and embedded without that file, which places the query cells as the reference's."""
    adapter = model.adapter
    batches = np.asarray(adapter.batches_of(data, None)).astype(str)
    mapped = shown_order(adapter.batches)  # numeric names in numeric order, for the message only
    if not len(batches) or np.isin(batches, mapped).any():
        return
    held = list(dict.fromkeys(batches.tolist()))
    shown = first_names((repr(b) for b in held), rest="in all")
    logger.warning(
        "none of the %d cells is of a batch this model mapped (%s, in obs[%r]; these cells': %s), so no cell gets "
        "a mapped shift: they are embedded as the reference model embeds them. If they are query cells mapped under "
        "other batch names (e.g. renamed in an annotation file), pass that file too (annotations=FILE)",
        len(batches), ", ".join(repr(b) for b in mapped), adapter.batch_key, shown)
