"""Reference mapping: a fitted model extended to query batches without changing the reference's embedding.

- :mod:`~jae.mapping.train`: :func:`map_query` (the frozen reference and the query batches' input shifts trained)
  and the inputs of :meth:`jae.JAE.finetune`;
- :mod:`~jae.mapping.adapter`: :class:`QueryAdapter`, the shifts a mapped model reads its batches with, and the
  held-out scale they are trained on;
- :mod:`~jae.mapping.batches`: the query's batch column read and checked (map_query, finetune).
"""

from __future__ import annotations

from .adapter import QueryAdapter, held_out_scale_of
from .batches import cell_batches, query_batch_key
from .train import adapter_steps, check_seed_epochs, finetune_count, finetune_inputs, map_query, mappings_of

__all__ = [
    "QueryAdapter", "adapter_steps", "cell_batches", "check_seed_epochs", "finetune_count", "finetune_inputs",
    "held_out_scale_of", "map_query", "mappings_of", "query_batch_key",
]
