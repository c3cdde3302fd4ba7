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
    if isinstance(model, (str, os.PathLike)):  # a folder: jae.joint (torch) not imported to tell it from a JAE
        return user_path(model, name="model")
    from ..joint import JAE

    if isinstance(model, JAE):
        return None
    raise TypeError(f"model must be a fitted jae.JAE or the folder of a saved one (str or pathlib.Path), not "
                    f"{type(model).__name__}")


def check_model_and_paths(inputs: InputFiles, folder: Path | None) -> None:
    """Refuse a model ``folder`` that is no jae model folder or whose ``model.json`` the load refuses (damaged, newer,
    a predictor's), then an input file that does not exist, each in the words its loader or reader says it, before
    :func:`_model_and_path` checks the device and loads the model (torch, 2-5 s): the order the loading and the
    reading reach them. ``folder`` None (a model in memory, torch imported with it): nothing, the checks of the model
    come first (its device, whether it is fitted), the paths as they are read."""
    if folder is None:
        return
    from ..checkpoint import read_description

    read_description(folder, kind="jae")
    inputs.check_paths()


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
    _check_kinds(inputs, model)  # before anything is read
    from ..query.features import read_by

    with read_by(model):  # a .raw read: its repeats among the genes the model ignores, ignored with them
        if fragments is not None:
            from ._fragments import read_with_fragments

            return read_with_fragments(inputs, model, fragments, progress_bar=progress_bar, check=check)
        if remap_peaks:
            return open_remapped(inputs, model, memory_budget=memory_budget, what=what, check=check)
        return inputs.open(memory_budget=memory_budget, what=what, once=True)


def _check_kinds(inputs: InputFiles, model) -> None:
    """Refuse a Cell Ranger ``.h5`` or one ``.h5ad`` holding both modalities (``--h5ad``) whose second modality is not
    the model's (Multiome cells given to a CITE-seq model), from the feature types stored in the file, before its
    counts are read: both are read whole, which came first (14 s and 1.9 GB for 8,000 Multiome cells in a Cell Ranger
    .h5 before the one-line refusal). Files of Gene Expression alone (a query's RNA), matrix folders and zarr stores
    are left to the reading (streamed inputs are refused from their header already)."""
    from ..io.cellranger_blocks import header_kinds
    from ..io.modality import known_kind
    from ..query.features import other_kinds

    if getattr(model, "preprocessor", None) is None:
        return
    if inputs.tenx is not None:
        files = [Path(p) for p in (inputs.samples.values() if inputs.samples else [inputs.tenx])]
        types = [header_kinds(p, mod2_kind=inputs.mod2_kind) for p in files  # its modalities' kinds, from its
                 if p.is_file() and p.suffix.lower() == ".h5"]  # feature types alone
    elif inputs.h5ad is not None and Path(inputs.h5ad).is_file():  # var['feature_types']; a zarr store is a folder
        stored = _stored_feature_types(inputs)
        types = [] if stored is None else [stored]
    else:
        return
    for values in types:
        kinds = {known_kind(str(v)) for v in values} - {None, "GEX"}
        if kinds and model.preprocessor.kinds[-1] not in kinds:
            raise ValueError(other_kinds(("GEX", *sorted(kinds)), model))


def check_stored_columns(inputs: InputFiles, *, batch_key: str | None, cell_type_key: str | None, supervised: bool,
                         fixes: dict) -> None:
    """Refuse a batch or cell-type column that one ``.h5ad`` holding both modalities (``h5ad=``, always read whole)
    lacks, with its annotation files joined, from its stored ``obs`` before its counts are read (:func:`jae.io.validate.
    check_fit_annotations`' refusal, which reading it whole came first: 22 s and 3.4 GB for 8,000 Multiome cells
    before a misspelled column's one line). Every other check is left to what is read. The file is opened once and
    read no further than each step needs: a file of one modality ends at its feature types; the column names come
    from ``obs``'s stored column order, its cell names are read only for a refusal, and no ``obs`` value is read."""
    import h5py
    from ..io.elems import read_elem

    from ..io.annotations import annotation_columns
    from ..io.modality import known_kind
    from ..io.validate import check_fit_annotations

    if inputs.h5ad is None or not Path(inputs.h5ad).is_file():  # a zarr store (a folder): read as it is
        return
    try:
        with h5py.File(inputs.h5ad, "r") as f:
            obs = f.get("obs")
            if f.attrs.get("encoding-type") != "anndata" or not isinstance(obs, h5py.Group):
                return  # a MuData, a Cell Ranger .h5, ...: refused as read, naming the flag to pass it with
            if "protein_expression" not in f.get("obsm", {}):  # else both modalities, whatever the feature types
                types = _feature_types(f, inputs.layer)
                if types is None or len({known_kind(str(t)) for t in types} - {None}) < 2:
                    return  # one modality: refused as read
            stored = [*map(str, np.atleast_1d(obs.attrs.get("column-order", [])))]  # as anndata orders obs.columns
            columns = [*stored, *annotation_columns(list(inputs.annotations))]  # the names alone: no join
            missing = (batch_key is not None and batch_key not in columns) or (
                supervised and cell_type_key is not None and cell_type_key not in columns)
            if not missing:
                return
            key = str(obs.attrs.get("_index", "_index"))  # the cell names, as anndata reads them: the refusal's
            cells = pd.Index(read_elem(obs[key]), name=None if key == "_index" else key)  # hints read them
    except OSError:  # no HDF5 file (a Matrix Market matrix, text): refused as read
        return
    check_fit_annotations(pd.DataFrame(index=cells, columns=list(dict.fromkeys(columns))),  # the column checks: no
                          batch_key=batch_key, cell_type_key=cell_type_key, supervised=supervised, fixes=fixes)  # value


def _feature_types(f, layer: str | None) -> np.ndarray | None:
    """The distinct values of ``var['feature_types']`` of the open ``.h5ad`` file ``f`` (h5py; of its ``.raw``, where
    ``layer='raw'`` reads from there) as text, that column read alone (a categorical's categories in use, not a text per
    feature); None without it."""
    from ..io.modality import var_feature_types
    from ..io.raw import raw_applies

    raw = raw_applies(f.get("layers", {}), layer) and "raw" in f  # read whole: anndata's .raw, as resolve_raw reads it
    types = var_feature_types(f["raw"]["var"] if raw else f.get("var"))
    return None if types is None else np.asarray(pd.unique(types)).astype(str)


def _stored_feature_types(inputs: InputFiles) -> np.ndarray | None:
    """:func:`_feature_types` of the ``.h5ad`` file ``inputs.h5ad``; None for a file that is no HDF5 file (refused as
    read)."""
    import h5py

    try:
        with h5py.File(inputs.h5ad, "r") as f:
            return _feature_types(f, inputs.layer)
    except OSError:
        return None
