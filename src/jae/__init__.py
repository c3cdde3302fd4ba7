"""jae: joint embedding and modality prediction for paired single-cell multimodal data.

Built on JAE, the autoencoder that won the joint-embedding task of the NeurIPS 2021 multimodal single-cell
competition.
"""

from __future__ import annotations

__version__ = "0.1.0"

# No handler of jae's own (not even a NullHandler): without any logging configuration, Python's last-resort handler
# shows jae's warnings on stderr, as scanpy shows its own, and hides informational lines; an application's logging
# configuration (the CLI's, or logging.basicConfig in a notebook) takes over the moment it exists.

from . import datasets, io, preprocess  # noqa: E402
from .config import JAEConfig  # noqa: E402
from .datasets import simulate  # noqa: E402
from .evaluation.run import evaluate  # noqa: E402
from .io import (combine_samples, count_fragments, read_competition, read_h5mu, read_10x_h5, read_10x_mtx,  # noqa: E402
                 remap_peaks)
from .joint import JAE  # noqa: E402
from .imputation.run import impute  # noqa: E402
from .preprocess import Preprocessor  # noqa: E402
from .workflows import embed_files, evaluate_files, fit_files, map_files, predict_files, run_demo  # noqa: E402
from .prediction import ModalityPredictor, PredictConfig, predict  # noqa: E402

__all__ = [
    "__version__", "datasets", "io", "preprocess", "JAE", "JAEConfig", "Preprocessor", "evaluate",
    "read_competition", "read_h5mu", "read_10x_h5", "read_10x_mtx", "combine_samples", "count_fragments", "remap_peaks",
    "predict",
    "ModalityPredictor", "PredictConfig",
    "impute", "fit_files", "map_files", "embed_files", "predict_files", "evaluate_files", "run_demo", "workflows",
    "metrics", "baseline", "report", "prediction", "simulate", "svd_baseline",
]

#: Subpackages imported on first use (``jae.metrics.evaluate_embedding(...)`` works after ``import jae``), so
#: ``import jae`` and the CLI do not pay for the metrics (their numba kernels, torch's distances) and matplotlib until needed.
_LAZY = ("metrics", "baseline", "report", "prediction")
#: Functions of those subpackages at the top level, as scanpy users expect (``jae.svd_baseline(...)``), imported on
#: first use like their subpackage: name -> subpackage.
_LAZY_FUNCTIONS = {"svd_baseline": "baseline"}


def __getattr__(name: str):
    if name in _LAZY or name in _LAZY_FUNCTIONS:
        import importlib

        module = importlib.import_module(f".{_LAZY_FUNCTIONS.get(name, name)}", __name__)
        return module if name in _LAZY else getattr(module, name)
    raise AttributeError(f"module 'jae' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_FUNCTIONS))
