"""jae: joint embedding and modality prediction for paired single-cell multimodal data.

Built on JAE, the autoencoder that won the joint-embedding task of the NeurIPS 2021 multimodal single-cell
competition.
"""

from __future__ import annotations

from ._lazy import lazy_names as _lazy_names

__version__ = "0.1.0"

# No handler of jae's own (not even a NullHandler): without any logging configuration, Python's last-resort handler
# shows jae's warnings on stderr, as scanpy shows its own, and hides informational lines; an application's logging
# configuration (the CLI's, or logging.basicConfig in a notebook) takes over the moment it exists.

#: Every public name -> the module holding it, imported when the name is first read (jae._lazy): ``import jae`` and
#: ``jae --help`` do not pay for torch, anndata and numba (2-7 s) until a name needs them. A name equal to its
#: module is that subpackage (``jae.metrics.evaluate_embedding(...)`` works after ``import jae``); the functions
#: of subpackages are at the top level as scanpy users expect (``jae.simulate(...)``, ``jae.svd_baseline(...)``).
_NAMES = {
    "datasets": "datasets", "io": "io", "preprocess": "preprocess", "JAE": "joint", "JAEConfig": "config",
    "Preprocessor": "preprocess", "evaluate": "evaluation.run", "read_competition": "io", "read_h5mu": "io",
    "read_10x_h5": "io", "read_10x_mtx": "io", "combine_samples": "io", "count_fragments": "io", "remap_peaks": "io",
    "predict": "prediction", "ModalityPredictor": "prediction", "PredictConfig": "prediction",
    "impute": "imputation.run", "fit_files": "workflows", "map_files": "workflows", "embed_files": "workflows",
    "predict_files": "workflows", "evaluate_files": "workflows", "run_demo": "workflows", "workflows": "workflows",
    "metrics": "metrics", "baseline": "baseline", "report": "report", "prediction": "prediction",
    "simulate": "datasets", "svd_baseline": "baseline",
}

__all__ = ["__version__", *_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
