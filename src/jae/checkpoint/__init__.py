"""Model files: ``model.json`` (readable description with a format version and a model kind) + ``weights.pt``
(tensors only), for every model of jae: the joint model (``model_kind`` ``"jae"``) and the modality predictor
(``"predictor"``). Loading uses ``torch.load(weights_only=True)``, so no arbitrary object is ever unpickled.

- :mod:`jae.checkpoint.folder`: the folder and its format, the one writer and reader of both models' folders
  (:func:`write_model_folder`, :func:`read_model_folder`, :func:`check_model_folder`);
- :mod:`jae.checkpoint.joint`: the joint model's description saved and the model rebuilt from it
  (:func:`save_model`, :func:`load_model`);
- :mod:`jae.checkpoint.checks`: the file names of a model folder and the checks of a description and its tensors
  that loading makes;
- :mod:`jae.checkpoint.json_text`: model.json's text, standard JSON (an infinite value as ``1e999``).
"""

from __future__ import annotations

from .folder import (FORMAT_VERSION, MODEL_KINDS, READABLE_VERSIONS, check_model_folder, check_model_path,
                     damaged_description, load_tensors, not_a_model_folder, read_model_folder, write_model_folder)
from .joint import load_model, save_model

__all__ = [
    "FORMAT_VERSION", "MODEL_KINDS", "check_model_folder", "save_model", "load_model", "load_tensors",
    "read_model_folder", "write_model_folder", "READABLE_VERSIONS", "damaged_description", "check_model_path",
    "not_a_model_folder",
]
