"""The seed's preprocessing: per-cell log normalisation, truncated SVD per modality, cell-cycle scores."""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): the cell-cycle scorer's numba kernels
#: (numba: 0.6 s) load with it, not with every module that names a step (the CLI's refusals imported them).
_NAMES = {
    "log_normalize": "normalize", "Preprocessor": "pipeline", "preprocess": "pipeline", "SVDBasis": "svd",
    "fit_svd": "svd", "cell_cycle_genes": "cell_cycle", "score_cell_cycle": "cell_cycle",
    "CellCycleScorer": "cell_cycle",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
