"""Modality prediction: predict one modality (GEX, ADT, ATAC) from another, trained on paired cells.

:func:`predict` trains and predicts in one call; :class:`ModalityPredictor` is the model class (fit, predict,
save, load). The network lives in :mod:`jae.prediction.model`, its training in :mod:`jae.prediction.train`, the
baselines in :mod:`jae.prediction.baselines` and the target conventions in :mod:`jae.prediction.targets`.
"""

from __future__ import annotations

from .api import METHODS, ModalityPredictor, predict
from .config import PredictConfig

__all__ = ["METHODS", "ModalityPredictor", "PredictConfig", "predict"]
