"""Reference mapping: a fitted model extended to query batches without changing the reference's embedding.

- :mod:`~jae.mapping.train`: :func:`map_query` (the frozen reference and the query batches' input shifts trained)
  and the inputs of :meth:`jae.JAE.finetune`;
- :mod:`~jae.mapping.adapter`: :class:`QueryAdapter`, the shifts a mapped model reads its batches with, and the
  held-out scale they are trained on;
- :mod:`~jae.mapping.batches`: the query's batch column read and checked (map_query, finetune).
"""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): the batch checks every verb makes
#: (:mod:`jae.mapping.batches`) do not import the training's torch (2-3 s) with the package.
_NAMES = {
    "QueryAdapter": "adapter", "adapter_steps": "train", "cell_batches": "batches", "check_seed_epochs": "batches",
    "finetune_count": "train", "finetune_inputs": "train", "held_out_scale_of": "adapter", "map_query": "train",
    "mappings_of": "train", "query_batch_key": "batches",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
