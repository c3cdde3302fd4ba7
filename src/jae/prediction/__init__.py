"""Modality prediction: predict one modality (GEX, ADT, ATAC) from another, trained on paired cells.

:func:`predict` trains and predicts in one call; :class:`ModalityPredictor` is the model class (fit, predict,
save, load). The network lives in :mod:`jae.prediction.model`, its training in :mod:`jae.prediction.train`, the
baselines in :mod:`jae.prediction.baselines` and the target conventions in :mod:`jae.prediction.targets`.
"""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when first read (jae._lazy): PredictConfig's defaults (in jae predict's help)
#: without torch.
_NAMES = {
    "METHODS": "api", "ModalityPredictor": "api", "PredictConfig": "config", "predict": "api",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
