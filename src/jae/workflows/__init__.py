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

from .demo import DemoResult, run_demo
from .evaluate import evaluate_files
from .joint import FilesResult, embed_files, fit_files, map_files
from .predict import predict_files

__all__ = [
    "FilesResult", "fit_files", "map_files", "embed_files", "predict_files", "evaluate_files", "DemoResult",
    "run_demo",
]
