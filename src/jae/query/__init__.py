"""Query cells read as a fitted model's input: other features than the reference's, RNA alone, new cells.

- :mod:`~jae.query.features`: :func:`query_features`, the data's modalities and cells found and their counts read;
- :mod:`~jae.query.transform`: their input features computed (the missing blocks regressed,
  :func:`fill_missing_blocks`);
- :mod:`~jae.query.partial`: the features of cells measured in part of a modality's features;
- :mod:`~jae.query.alone`: an AnnData of the second modality alone, unmarked, told apart from RNA in the refusal;
- :mod:`~jae.query.fit_cells`: the fit's own cells told from new ones by their counts' fingerprints (new cells read
  on the reference's scale).
"""

from __future__ import annotations

from .features import features_kept, measured, query_features
from .transform import QueryFeatures, fill_missing_blocks

__all__ = ["QueryFeatures", "features_kept", "fill_missing_blocks", "measured", "query_features"]
