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

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): the file names of a model folder
#: (:mod:`jae.checkpoint.checks`), which every verb's output check reads, do not import torch (2 s) with the package.
_NAMES = {
    "FORMAT_VERSION": "folder", "MODEL_KINDS": "folder", "check_model_folder": "folder", "save_model": "joint",
    "load_model": "joint", "load_tensors": "folder", "read_model_folder": "folder", "write_model_folder": "folder",
    "READABLE_VERSIONS": "folder", "damaged_description": "folder", "check_model_path": "folder",
    "not_a_model_folder": "folder", "read_description": "folder",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
