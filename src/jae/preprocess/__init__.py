"""The seed's preprocessing: per-cell log normalisation, truncated SVD per modality, cell-cycle scores."""

from __future__ import annotations

from .cell_cycle import CellCycleScorer, cell_cycle_genes, score_cell_cycle
from .normalize import log_normalize
from .pipeline import Preprocessor, preprocess
from .svd import SVDBasis, fit_svd

__all__ = [
    "log_normalize", "Preprocessor", "preprocess", "SVDBasis", "fit_svd", "cell_cycle_genes", "score_cell_cycle",
    "CellCycleScorer",
]
