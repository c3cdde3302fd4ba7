"""What the file workflows share: :class:`FilesResult`, the result each returns, and the checks of their ``inputs``
and ``model`` arguments made before any data is read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._device import usable_device
from ..io.inputs import InputFiles
from ..io.paths import user_path

__all__ = ["FilesResult", "PathLike"]

PathLike = str | os.PathLike


@dataclass(frozen=True)
class FilesResult:
    """What a file workflow made and wrote.

    Attributes
    ----------
    model
        The fitted, mapped or (fine-tuned) loaded model: :class:`jae.JAE` or :class:`jae.ModalityPredictor`.
    written
        The files and folders written, the main output first.
    n_cells
        Cells read from the input files (for :func:`jae.predict_files`: the test cells).
    embedding
        :func:`embed_files`: the embedding, ``(n_cells, n_dims)`` float32 in the inputs' cell order.
    obs_names
        :func:`embed_files`: the cells, in the embedding's row order.
    labels
        :func:`embed_files`: ``cell_type``, ``confidence``, ``unknown``, ``unknown_score`` per cell (indexed by the
        cells) when the model has cell types (:meth:`jae.JAE.predict_cell_type`).
    prediction
        :func:`jae.predict_files`: the prediction written (AnnData, test cells x target features).
    """

    model: object
    written: tuple[Path, ...]
    n_cells: int
    embedding: np.ndarray | None = None
    obs_names: pd.Index | None = None
    labels: pd.DataFrame | None = None
    prediction: object = None

    def __repr__(self) -> str:  # the dataclass's printed the embedding, every cell name and 60 rows of labels
        shown = [f"model={self.model!r}", f"written={tuple(str(p) for p in self.written)}", f"n_cells={self.n_cells:,}"]
        if self.embedding is not None:
            shown.append(f"embedding {self.embedding.shape[0]:,} x {self.embedding.shape[1]}")
        if self.labels is not None:
            shown.append(f"labels {len(self.labels):,} cells x {list(self.labels.columns)}")
        if self.prediction is not None:
            shown.append(f"prediction {self.prediction.shape[0]:,} x {self.prediction.shape[1]:,}")
        return f"FilesResult({', '.join(shown)})"


def _model_and_path(model, *, device: str):
    """``(JAE, folder or None)`` for a fitted model or the folder of a saved one."""
    from ..joint import JAE

    usable_device(device)  # refused as such (not as a malformed entry of the model's folder), for a fitted model too
    if isinstance(model, JAE):
        model._require_fitted()  # before any other argument is read against it, and before the data
        return model, None
    return JAE.load(model, device=device), user_path(model, name="model")


def _check_inputs(inputs, *, call: str) -> None:
    """Refuse in one line anything but :class:`InputFiles` (a path, a MuData), naming the argument and the call for
    data in memory, before any other argument is read."""
    if not isinstance(inputs, InputFiles):
        raise TypeError(f"inputs must be jae.io.InputFiles (the files to read, e.g. jae.io.InputFiles(mod1=..., "
                        f"mod2=...)), not {type(inputs).__name__}; for data in memory call {call}")


def _model_folder(model) -> Path | None:
    from ..joint import JAE

    if isinstance(model, JAE):
        return None
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a fitted jae.JAE or the folder of a saved one (str or pathlib.Path), not "
                        f"{type(model).__name__}")
    return user_path(model, name="model")


def open_remapped(inputs: InputFiles, model, *, memory_budget, what: str, check=None):
    """``inputs`` with their ATAC counts put onto ``model``'s peaks (:func:`jae.remap_peaks`), for ``remap_peaks=True``
    of :func:`jae.embed_files` / :func:`jae.map_files`, opened as the plain route opens them: files that stream are
    streamed whatever ``memory_budget``, each row block of ATAC counts remapped as it is read
    (:func:`jae.io.peaks.remap_files`); the others (a Cell Ranger file, one ``.h5ad`` of both modalities, files whose
    cells are paired by name) are read whole and remapped in memory. Refused in one line, before the counts are
    read, for a model without peaks and for RNA alone; ``check(data)``, when given, refuses the query as opened (e.g.
    without its batch column) before the remap."""
    from ..io.paired_files import FilesOnDisk
    from ..io.peaks import _model_peaks, remap_files, remap_peaks
    from ..io.rna_files import RnaFiles

    _model_peaks(model)  # a model without peaks (CITE-seq), refused before the query is read

    alone = ("remap_peaks puts the query's ATAC counts on the model's peaks, and this query has RNA alone: leave "
             "remap_peaks (--remap-peaks) out")
    if inputs.rna_only:
        raise ValueError(alone)
    data = inputs.open(memory_budget=memory_budget, what=what, once=True)
    if isinstance(data, RnaFiles):  # an .h5mu holding RNA alone
        raise ValueError(alone)
    if check is not None:
        check(data)
    if isinstance(data, FilesOnDisk):  # streamed: the peak map is built from the file's peaks, applied per row block
        return remap_files(data, model, layer=inputs.layer)
    return remap_peaks(data, model, layer=inputs.layer)


def open_query(inputs: InputFiles, model, *, fragments, remap_peaks: bool, memory_budget, what: str,
               progress_bar: bool, check=None):
    """The query as :func:`jae.embed_files` / :func:`jae.map_files` read it: its ATAC counted from ``fragments`` in the
    model's peaks (:func:`jae.workflows._fragments.read_with_fragments`), its own peaks put onto the model's
    (:func:`open_remapped`), or, with neither, opened as it is for one pass over the counts. ``check(data)`` refuses
    the query as read on the first two routes, before their slow work; on the third the caller checks (a batch column
    may sit in a second file, read after)."""
    from ..query.features import read_by

    with read_by(model):  # a .raw read: its repeats among the genes the model ignores, ignored with them
        if fragments is not None:
            from ._fragments import read_with_fragments

            return read_with_fragments(inputs, model, fragments, progress_bar=progress_bar, check=check)
        if remap_peaks:
            return open_remapped(inputs, model, memory_budget=memory_budget, what=what, check=check)
        return inputs.open(memory_budget=memory_budget, what=what, once=True)
