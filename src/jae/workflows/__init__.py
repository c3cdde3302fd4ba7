"""File in, file out: what each ``jae`` verb does, callable from Python.

Each function reads the files it is given, runs the library's steps and writes its outputs atomically, checking
every output path before any data is read. The command line parses its flags and calls exactly one of them.

==============================  =================================================================================
:func:`fit_files`               fit a :class:`jae.JAE` on paired files (in memory or streamed) and save it
:func:`map_files`               map query files onto a saved reference model and save the mapped model
:func:`embed_files`             embed files with a saved model; write the embedding and the predicted labels
:func:`predict_files`           train a modality predictor on paired files and write the test cells' prediction
:func:`evaluate_files`          score embeddings of the data in files; write the metrics table and the report
:func:`run_demo`                the whole pipeline on simulated data, written to a folder
==============================  =================================================================================
"""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): a verb imports its own function's
#: module, not every verb's (jae fit imported evaluate's anndata, h5py and numba before it checked its input file).
_NAMES = {
    "FilesResult": "_files", "fit_files": "joint", "map_files": "joint", "embed_files": "embed",
    "predict_files": "predict", "evaluate_files": "evaluate", "DemoResult": "demo", "run_demo": "demo",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
