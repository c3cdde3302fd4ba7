"""jae: joint embedding and modality prediction for paired single-cell multimodal data.

Built on JAE, the autoencoder that won the joint-embedding task of the NeurIPS 2021 multimodal single-cell
competition.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

from . import datasets, io, preprocess  # noqa: E402
from .config import JAEConfig  # noqa: E402
from .io import read_competition, read_h5mu, read_10x_h5  # noqa: E402
from .joint import JAE  # noqa: E402
from .preprocess import Preprocessor  # noqa: E402
from .prediction import ModalityPredictor, PredictConfig, predict  # noqa: E402

__all__ = [
    "__version__", "datasets", "io", "preprocess", "JAE", "JAEConfig", "Preprocessor",
    "read_competition", "read_h5mu", "read_10x_h5", "predict", "ModalityPredictor", "PredictConfig",
]
