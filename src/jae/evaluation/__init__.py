"""Evaluation: joint embeddings scored with the competition's metrics (:func:`jae.evaluate`).

- :mod:`~jae.evaluation.run`: :func:`evaluate`, the scoring run and the optional report;
- :mod:`~jae.evaluation.inputs`: the embeddings to score, from obsm keys (of the data or a modality) and prediction
  files (.h5ad, jae embed's .h5mu);
- :mod:`~jae.evaluation.checks`: its argument and label checks, made before any work;
- :mod:`~jae.evaluation.embeddings`: each embedding read, checked and its source kept for the report.
"""

from __future__ import annotations

from .inputs import obsm_embedding, read_embedding
from .run import evaluate, lognormalized_gex, lognormalized_gex_blocks

__all__ = ["evaluate", "lognormalized_gex", "lognormalized_gex_blocks", "obsm_embedding", "read_embedding"]
