"""The joint model on files: :func:`fit_files`, :func:`map_files` and :func:`embed_files` (``jae fit``, ``jae map``,
``jae embed``; :func:`embed_files` lives in :mod:`jae.workflows.embed`, the shared parts in ``_files.py``).

Each checks its output paths before reading any data, reads the inputs (:class:`jae.io.InputFiles`) into memory
when they fit the memory budget and streams them from disk otherwise, and writes atomically; no input file is ever
written to.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from .._flags import check_flags
from ..checkpoint import check_model_folder
from ..config import as_epochs, as_seed
from ..io.call_fixes import called_as
from ..io.inputs import InputFiles
from ..io.outputs import ReadFolder, check_outputs
from ..io.paired import batch_column
from ..io.plan import parse_bytes
from ..io.samples_files import removes_temporary_files
from ..io.paths import user_path
from ..mapping.batches import (batch_key_origin, check_batch_key, check_mapped_key, check_seed_epochs,
                               mapped_column_missing, query_batch_key)
from ._fragments import check_fragments, check_fragments_model, fragment_paths
from ._files import (
    FilesResult, PathLike, _check_inputs, _model_and_path, _model_folder, check_model_and_paths, check_stored_columns,
    open_query,
)
from .embed import LABEL_COLUMNS, embed_files

__all__ = ["FilesResult", "fit_files", "map_files", "embed_files", "LABEL_COLUMNS"]

logger = logging.getLogger(__name__)



@removes_temporary_files  # Cell Ranger samples combined, zarr stores copied, on disk: removed after
@called_as("fit_files")  # a refusal of the files as they are read names this call (jae.io.call_fixes)
def fit_files(
    inputs: InputFiles,
    out: PathLike,
    *,
    config=None,
    seed: int = 0,
    device: str = "auto",
    batch_key: str | None = "batch",
    cell_type_key: str | None = "cell_type",
    organism: str | None = None,
    memory_budget: int | str | None = None,
    overwrite: bool = False,
    progress_bar: bool = True,
) -> FilesResult:
    """Fit a :class:`jae.JAE` on paired files and save it to the model folder ``out`` (``jae fit``).

    The files are read whole when that fits ``memory_budget`` and streamed in row blocks otherwise (same result;
    :func:`jae.io.plan_input` logs the choice). The annotations are checked on the files' ``obs`` before any counts
    are read.

    Parameters
    ----------
    inputs
        The paired data (:class:`jae.io.InputFiles`); its ``layer`` names the raw counts.
    out
        Model folder to write (``model.json`` + ``weights.pt``); never an input, and an existing folder that is not
        a jae model is never replaced.
    config
        :class:`jae.JAEConfig` (default: ``JAEConfig()``).
    seed, device
        As for :class:`jae.JAE`.
    batch_key, cell_type_key, organism, memory_budget, progress_bar
        As for :meth:`jae.JAE.fit`.
    overwrite
        Replace an existing model folder at ``out``.

    Returns
    -------
    :class:`FilesResult`: ``model`` the fitted :class:`jae.JAE`, ``written`` ``(out,)`` (empty in the processes of a ``torchrun`` launch but process 0).
    """
    from ..config import JAEConfig
    from ..io.annotations import samples_fix
    from ..io.mosaic import MosaicCells
    from ..io.obs_keys import check_fit_keys
    from ..io.paired_files import PairedFiles
    from ..io.validate import check_fit_annotations
    from ..preprocess.organism import given_organism

    _check_inputs(inputs, call="jae.JAE().fit(mdata) then model.save(out)")
    inputs = inputs.with_sample_key(batch_key)  # several samples: each a batch in the column fit reads
    check_flags(progress_bar=progress_bar)  # a text 'no' is truthy: it would show the bars
    out = user_path(out, name="out")
    check_outputs([("out", out)], inputs=inputs.paths, overwrite=overwrite, models={"out": "model.json"},
                  kinds={"out": "jae"}, any_model="inside")  # a model folder, but never inside another one
    check_model_folder(out, kind="jae", overwrite=overwrite, name="out")  # a predictor's folder is never replaced
    config = JAEConfig.given(config)  # config and seed refused before reading (the device below: torch)
    as_seed(seed)
    None if memory_budget is None else parse_bytes(memory_budget)  # so is the memory budget
    given_organism(organism, needed=bool(config.n_phase))  # and an organism without cell-cycle genes
    supervised = config.mode == "supervised"
    check_fit_keys(batch_key=batch_key, cell_type_key=cell_type_key, supervised=supervised)  # so are the columns
    inputs.check_paths(fitting=True)  # and a missing file: all before the device check and JAE's modules import torch
    from ..joint import JAE
    from ..mosaic import MIN_PAIRED_CELLS, check_mosaic_batches

    model = JAE(config, seed=seed, device=device)  # the device
    check_stored_columns(inputs, batch_key=batch_key, cell_type_key=cell_type_key, supervised=supervised,  # --h5ad
                         fixes={"annotations": "InputFiles(..., annotations=FILE)", "samples": samples_fix(inputs)})
    with batch_column(batch_key):  # the modalities must agree on the batch column fit reads
        data = inputs.open(plan=False, memory_budget=memory_budget, what="fit")  # JAE.fit: whole or streamed
    if isinstance(data, PairedFiles) and supervised:  # labels only the second file holds: as fit finds them read whole
        data = data.with_columns([cell_type_key])
    annotations_fix = "InputFiles(..., annotations=FILE)"
    if inputs.source == "10x":  # a Cell Ranger file holds no labels and usually one sample
        annotations_fix += " (a Cell Ranger file holds no cell-type labels)"
        if supervised and cell_type_key is not None and cell_type_key not in data.obs.columns:
            several = inputs.samples is not None and len(inputs.samples) > 1  # each sample a batch: keep them
            raise ValueError(
                f"{f'the {inputs.name} hold' if several else 'a Cell Ranger file holds'} no cell-type labels (no obs "
                f"column {cell_type_key!r}), so supervised mode cannot run: pass config=JAEConfig(mode='unsupervised')"
                f"{'' if several else ' (and batch_key=None for a single sample)'}, or InputFiles(..., "
                f"annotations=FILE) with a {cell_type_key!r} column"
                + (" (cells named BARCODE-SAMPLE, e.g. AAACAGCCAAGGAATC-1-s1)" if several else "")
            )
    if isinstance(data, MosaicCells):  # cells named otherwise in each file: said so, not as cells lacking a batch
        data.check_paired(MIN_PAIRED_CELLS)
        check_mosaic_batches(data.names, data.observed, data.obs, batch_key)  # a batch kept in one modality's obs: said so
    # the second file's columns too, as read whole: a missing column's message lists them (what fit reads is above)
    checked = data.with_columns(data.other_obs.columns, log=False) if isinstance(data, PairedFiles) \
        and data.other_obs is not None else data
    check_fit_annotations(  # before the data is read (JAE.fit checks again on what it reads)
        checked.obs, batch_key=batch_key, cell_type_key=cell_type_key, supervised=supervised,
        fixes={"annotations": annotations_fix, "samples": samples_fix(inputs)},
    )
    model.fit(
        data, batch_key=batch_key, cell_type_key=cell_type_key, organism=organism, layer=inputs.layer,
        memory_budget=memory_budget, progress_bar=progress_bar,
    )
    model.save(out, overwrite=overwrite)
    from .._launch import is_writer

    written = (out,) if is_writer() else ()  # under torchrun only process 0 writes the model
    return FilesResult(model=model, written=written, n_cells=int(data.n_obs))


@removes_temporary_files  # Cell Ranger samples combined, zarr stores copied, on disk: removed after
@called_as("map_files")  # a refusal of the query as it is read names this call (jae.io.call_fixes)
def map_files(
    inputs: InputFiles,
    model,
    out: PathLike,
    *,
    batch_key: str | None = None,
    epochs: int | None = None,
    seed: int | None = None,
    device: str = "auto",
    memory_budget: int | str | None = None,
    overwrite: bool = False,
    progress_bar: bool = True,
    fragments: PathLike | Mapping[str, PathLike] | Sequence[PathLike] | None = None,
    remap_peaks: bool = False,
) -> FilesResult:
    """Map the query cells in ``inputs`` onto a reference model and save the mapped model to ``out`` (``jae map``).

    Parameters
    ----------
    inputs
        The query (:class:`jae.io.InputFiles`), with the batch column ``batch_key`` in ``obs`` (or in its
        annotation files).
    model
        The reference: a fitted :class:`jae.JAE`, or the folder of a saved one (never changed).
    out
        Folder of the mapped model; never the reference's folder or an input.
    batch_key, epochs, seed, progress_bar
        As for :meth:`jae.JAE.map_query`.
    device
        Where a saved reference is loaded (as for :meth:`jae.JAE.load`).
    memory_budget
        Bytes (or ``'8G'``) reading files whose cells are in different orders (paired by name) may take; other
        files are streamed once in row blocks whatever the budget (the features are computed in one pass).
    overwrite
        Replace an existing model folder at ``out``.
    fragments
        A 10x fragments file of the query cells: their ATAC modality is counted from it in the reference's peaks, as
        for :func:`jae.workflows.embed_files` (one file per sample for an input of several samples).
    remap_peaks
        Put the query's own peaks onto the reference's by overlap (:func:`jae.remap_peaks`), each row block of its
        ATAC counts as it is read: streamed as without it (files read whole without it are remapped whole).

    Returns
    -------
    :class:`FilesResult`: ``model`` the mapped :class:`jae.JAE` (its ``adapter`` lists the new batches),
    ``written`` ``(out,)``, ``n_cells`` the query cells.
    """
    _check_inputs(inputs, call="model.map_query(mdata) then mapped.save(out)")
    check_flags(progress_bar=progress_bar)  # a text 'no' is truthy: it would show the bars
    out = user_path(out, name="out")
    fragments = check_fragments(fragments, remap_peaks=remap_peaks, inputs=inputs)
    folder = _model_folder(model)
    if folder is not None and out.resolve() == folder.resolve():
        raise ValueError("out is the reference model folder; mapping never changes the reference: choose another out")
    protect = inputs.paths + ([folder] if folder else []) + fragment_paths(fragments)
    check_outputs([("out", out)], inputs=protect, overwrite=overwrite,
                  models={"out": "model.json"}, kinds={"out": "jae"}, any_model="inside",  # nor in another model folder
                  read=ReadFolder(folder, what="reference model folder", why="mapping never changes",
                                  fix="choose another {flag} outside it", kind="jae"))
    check_model_folder(out, kind="jae", overwrite=overwrite, name="out")
    if epochs is not None:  # before the reference is loaded and the query read (map_query checks it the same way)
        as_epochs(epochs, zero="0: the reference model's own embedding")
    if seed is not None:
        as_seed(seed)
    check_batch_key(batch_key)
    check_seed_epochs(seed, epochs)  # before the reference is loaded and the query opened
    None if memory_budget is None else parse_bytes(memory_budget)  # so is the memory budget
    check_model_and_paths(inputs, folder)  # a missing file or model folder: before the device check and the load
    reference, _ = _model_and_path(model, device=device)
    check_fragments_model(fragments, reference)  # a reference without peaks, before the query is read
    key = query_batch_key(reference, batch_key)  # None: the column the reference reads (batch_key_origin)
    check_mapped_key(reference, key)  # a mapped reference: its column (before the query is opened)
    inputs = inputs.with_sample_key(key)  # several samples: each a batch in the column mapping reads

    def has_key(data) -> None:  # the query's batch column, checked as it is read (before its fragments are counted)
        from ..io.pulled_keys import model_keys, pulled_column

        if key in data.obs.columns or key in model_keys(reference) and pulled_column(data, data.obs, key):
            return  # the model's 'rna:batch': modality 'rna''s 'batch'
        from ..io.annotations import samples_note
        if reference.adapter is not None:  # its column: another batch_key is refused (check_mapped_key)
            raise ValueError(mapped_column_missing(reference.adapter) + samples_note(data.obs_names, key, inputs))
        from ..io.cell_obs import pulled_name_fix

        from .._words import did_you_mean

        pulled = pulled_name_fix(data.obs, key, "batch_key")  # 'prot:batch': the column is there by its own name
        close = None if pulled else did_you_mean(key, data.obs.columns)  # 'donor_id' for 'donor'; else its own fix
        raise ValueError(f"the query has no obs column {key!r} for batch_key"
                         + (f" ({batch_key_origin(reference)})" if batch_key is None else "")
                         + (f" ({close})" if close else "")
                         + (pulled or samples_note(data.obs_names, key, inputs, lead="pass batch_key=<column> or "
                                                   "InputFiles(..., annotations=FILE) with that column")))

    with batch_column(key):  # the modalities must agree on the query's batch column
        data = open_query(inputs, reference, fragments=fragments, remap_peaks=remap_peaks,
                          memory_budget=memory_budget, what="map", progress_bar=progress_bar, check=has_key)
    has_key(data)
    batch_key = key
    mapped = reference.map_query(data, batch_key=batch_key, epochs=epochs, layer=inputs.layer, seed=seed,
                                 progress_bar=progress_bar)
    mapped.save(out, overwrite=overwrite)
    from .._launch import is_writer

    written = (out,) if is_writer() else ()  # under torchrun only process 0 writes (as fit_files says)
    return FilesResult(model=mapped, written=written, n_cells=int(data.n_obs))
