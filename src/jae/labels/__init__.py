"""Label transfer: a fitted model's cell types predicted for new cells, calibrated, with the unknown call.

- :mod:`~jae.labels.transfer`: :func:`predict_cell_type` (the classifier + vote mixture), the calibration fitted on
  the held-out reference cells, the label names and their order;
- :mod:`~jae.labels.mixture`: the head's probabilities, the voters' 15-NN vote and the mixture;
- :mod:`~jae.labels.unknown`: the unknown call (its score, averaged over the cells predicted together);
- :mod:`~jae.labels.heldout_alone`: the held-out cells placed from one modality (the call's units for such cells);
- :mod:`~jae.labels.embedding_record`: a given embedding's record checked against the model reading it.
"""

from __future__ import annotations

from .transfer import (calibrate, check_not_measurement, fit_calibration, label_categories, label_order, obs_labels,
                       predict_cell_type, recalibrate, unlabelled_placeholders)
from .unknown import SMOOTH_ANCHORS, SMOOTH_K, UNKNOWN_SCORE, smooth_over_cells, unknown_scores, unsure_types
from .mixture import vote

__all__ = [
    "SMOOTH_ANCHORS", "SMOOTH_K", "UNKNOWN_SCORE", "calibrate", "check_not_measurement", "fit_calibration",
    "label_categories", "label_order", "obs_labels", "predict_cell_type", "recalibrate", "smooth_over_cells",
    "unknown_scores", "unlabelled_placeholders", "unsure_types", "vote",
]
