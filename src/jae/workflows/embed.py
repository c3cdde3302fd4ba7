"""Embedding files with a model: :func:`embed_files` (``jae embed``), which also writes the predicted labels and,
when asked, the imputed modality.

It checks its output paths before reading any data, reads the inputs (:class:`jae.io.InputFiles`) once, and writes
atomically; no input file is ever written to.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from contextlib import contextmanager

import pandas as pd

from .._flags import check_flags
from ..config import as_epochs, as_seed
from ..io.atomic import atomic_outputs, atomic_write
from ..io.call_fixes import called_as
from ..io.cell_obs import reading_columns
from ..io.inputs import InputFiles
from ..io.paired_files import PairedFiles
from ..io.outputs import ReadFolder, check_outputs
from ..io.plan import parse_bytes
from ..io.paths import user_path
from ..io.write import check_method_id
from ..io.samples_files import removes_temporary_files
from ..query.features import features_kept, query_features
from ..mapping.batches import decoder_batch_key, model_batch_key
from ._files import (
    FilesResult, PathLike, _check_inputs, _model_and_path, _model_folder, check_model_and_paths, open_query,
)
from ._fragments import check_fragments, check_fragments_model, fragment_paths
from ._mapped_cells import check_mapped_cells
from .embedding_output import both_files_obs, copied_input, with_input_obs, write_embedding

__all__ = ["embed_files", "LABEL_COLUMNS"]

logger = logging.getLogger("jae.workflows.joint")  # embed_files' lines keep the logger they had in joint.py


#: obs columns of :func:`embed_files`' output holding the predicted cell type, its confidence, the unknown call and
#: its score (those of ``JAE.predict_cell_type(..., key_added="jae")``).
LABEL_COLUMNS = {"cell_type": "jae_cell_type", "confidence": "jae_confidence", "unknown": "jae_unknown",
                 "unknown_score": "jae_unknown_score"}


@removes_temporary_files  # Cell Ranger samples combined, zarr stores copied, on disk: removed after
@called_as("embed_files")  # a refusal of the input as it is read names this call (jae.io.call_fixes)
def embed_files(
    inputs: InputFiles,
    model,
    out: PathLike,
    *,
    labels_out: PathLike | None = None,
    finetune_epochs: int | None = None,
    seed: int | None = None,
    method_id: str = "jae",
    device: str = "auto",
    memory_budget: int | str | None = None,
    overwrite: bool = False,
    progress_bar: bool = True,
    impute_out: PathLike | None = None,
    impute_modality: str | None = None,
    fragments: PathLike | Mapping[str, PathLike] | Sequence[PathLike] | None = None,
    remap_peaks: bool = False,
    copy_of: str | None = None,
) -> FilesResult:
    """Embed the cells in ``inputs`` with a model and write the embedding (``jae embed``).

    By default the model is first fine-tuned on these cells (:meth:`jae.JAE.finetune`, the seed's online step); a
    model made by :meth:`jae.JAE.map_query` is not, so its reference stays frozen (with ``finetune_epochs`` >= 1 it
    is, on the features it embeds: the cells of its mapped batches shifted).

    Parameters
    ----------
    inputs
        The cells to embed (:class:`jae.io.InputFiles`; the annotation files' columns are joined into ``obs``, where
        a model made by :meth:`jae.JAE.map_query` reads its batch column).
    model
        A fitted :class:`jae.JAE` (fine-tuned on a copy, never in place), or the folder of a saved one.
    out
        ``.h5ad``: the competition's format (:func:`jae.io.write_embedding_h5ad`: ``X`` = embedding, ``obs`` = cells
        with the input's ``obs`` columns (two competition files: mod1's, then those only mod2 holds) and the
        annotation files', ``uns['dataset_id']``, ``uns['method_id']``, and the provenance ``uns['jae']``; with
        ``copy_of``, a copy of that ``.h5ad`` input). ``.h5mu`` (only for an ``h5mu`` input): a copy of the input
        file as stored, with ``obsm['X_jae']``, its provenance ``uns['jae']`` and the annotation files' columns.
        When the model has cell types, ``obs`` also gets :data:`LABEL_COLUMNS` (``jae_cell_type``, ``jae_confidence``,
        ``jae_unknown``, ``jae_unknown_score``), which replace input columns of the same names (with a log line).
    labels_out
        Also write the predicted labels (``cell``, ``cell_type``, ``confidence``, ``unknown``, ``unknown_score``) to
        this ``.csv``; needs a model fitted with cell types.
    finetune_epochs
        Fine-tuning epochs; 0 skips fine-tuning; None: the seed's (0 for a mapped model). A model fitted with
        ``decoder_batch=True`` is fine-tuned with the batches of the column it was fitted with when the data holds
        it (:func:`jae.mapping.batches.decoder_batch_key`).
    seed
        Seed of the fine-tuning (as for :meth:`jae.JAE.finetune`; None: the model's seed + 1 modulo 2**32); refused when no
        fine-tuning runs (``finetune_epochs=0``, or a mapped model without ``finetune_epochs``).
    method_id
        ``uns['method_id']`` of an ``.h5ad`` output.
    device
        Where a saved model is loaded (checked for a fitted :class:`jae.JAE` too, which stays on its own device).
    memory_budget
        Bytes (or ``'8G'``) reading files whose cells are in different orders (paired by name) may take; other
        files are streamed once in row blocks whatever the budget (the features are computed in one pass and kept
        for fine-tuning, embedding and labels).
    overwrite
        Replace existing files at ``out``, ``labels_out`` and ``impute_out``.
    progress_bar
        One tqdm bar over the fine-tuning's epochs (:meth:`jae.JAE.finetune`); reading, embedding and writing show none.
    impute_out
        Also write the modality the input's cells lack (RNA-only ``inputs``, or a mosaic ``.h5mu``), predicted by
        :func:`jae.impute`, to this ``.h5ad`` (cells lacking it x the model's features of it; refused before any
        work when larger than the memory available, as is the layer of ``impute_modality``).
    impute_modality
        The model's name of the modality to impute (``model.modality_names``) for the cells lacking it; needed when
        cells lack each. Without ``impute_out`` the prediction is written as ``layers['jae_imputed']`` of that
        modality in the ``.h5mu`` output's copy of an input lacking it (:func:`jae.imputation.add_imputed_layer`:
        e.g. proteins of RNA alone, added holding the imputed cells; a modality measuring no cell is replaced so); a
        modality holding other cells (a mosaic ``.h5mu``) takes no layer: pass ``impute_out``.
    fragments
        A 10x fragments file of these cells (cellranger-arc's ``atac_fragments.tsv.gz``): their ATAC modality is
        counted from it in the model's peaks (:func:`jae.count_fragments`, for the RNA's cells; the input is then
        read whole, and a second modality of its own, e.g. the peaks of a new sample's Cell Ranger file, is left out,
        logged). Refused for a model without peaks. An input of several samples (``inputs.tenx`` naming several
        files) takes one file per sample: a mapping of sample name -> file, or a list of files named as the Cell
        Ranger files are (``SAMPLE/outs/atac_fragments.tsv.gz``); each sample's cells are counted from its own.
    remap_peaks
        Put the input's own peaks onto the model's by overlap (:func:`jae.remap_peaks`), each row block of its
        ATAC counts as it is read: streamed as without it (files read whole without it are remapped whole).
    copy_of
        ``'mod1'``, ``'mod2'`` or ``'h5ad'``: ``out`` (an ``.h5ad``) is a copy of that input file instead (as scanpy
        users keep one AnnData: all its ``X``, ``layers``, ``var``, ``obs``, ``obsm`` and ``uns``, copied on disk,
        its counts not read) with ``obsm['X_jae']`` (rows in the file's cell order), its provenance ``uns['jae']``,
        the annotation files' columns and, with cell types, :data:`LABEL_COLUMNS` in ``obs``, as the ``.h5mu`` copy
        gets them; then ``sc.pp.neighbors(adata, use_rep='X_jae')``. Refused before any work for another input
        (``tenx``, ``h5mu``), a zarr store or an ``out`` not ending in ``.h5ad``.

    Returns
    -------
    :class:`FilesResult`: ``embedding`` ``(n_cells, n_dims)``, ``obs_names``, ``labels`` (None without cell types),
    ``model``, ``written`` (``out``, then ``labels_out``, then ``impute_out``).
    """
    _check_inputs(inputs, call="model.embed(mdata)")
    check_flags(progress_bar=progress_bar)  # a text 'no' is truthy: it would show the bars
    out = user_path(out, name="out")
    fragments = check_fragments(fragments, remap_peaks=remap_peaks, inputs=inputs)
    folder = _model_folder(model)
    protect = inputs.paths + fragment_paths(fragments)
    check_outputs(
        [("out", out), ("labels_out", labels_out), ("impute_out", impute_out)],
        inputs=protect + ([folder] if folder else []), overwrite=overwrite,
        suffixes={"out": (".h5ad", ".h5mu"), "labels_out": (".csv",), "impute_out": (".h5ad",)},
        # a file left in the model folder made a later 'jae fit --out MODEL --overwrite' refuse it (as map refuses)
        read=ReadFolder(folder, what="model folder", why="only jae fit writes (a stray file there stops 'jae fit "
                        "--overwrite' replacing it)", fix="choose a path for {flag} outside it", kind="jae"),
        any_model="inside",
    )
    if out.suffix == ".h5mu" and inputs.h5mu is None and copy_of is None:
        raise ValueError(
            "out *.h5mu writes a copy of an h5mu input; with mod1/mod2, tenx or h5ad inputs use out *.h5ad")
    check_method_id(method_id, out)  # a non-empty name, for an .h5ad out (an .h5mu copy has no uns['method_id'])
    copied = copied_input(copy_of, inputs, out, method_id)  # the .h5ad input out copies, checked before any work
    if finetune_epochs is not None:  # before the model is loaded and the cells read
        as_epochs(finetune_epochs, zero="0 skips fine-tuning", name="finetune_epochs")
    if seed is not None:
        as_seed(seed)
    if remap_peaks and impute_modality is not None and impute_out is None:  # the input's copy keeps its own peaks
        raise ValueError("remap_peaks with impute_modality writes the prediction into the output's copy of the input, "
                         "whose peaks are not the model's: pass impute_out=FILE.h5ad too")
    if impute_modality is not None and impute_out is None and out.suffix != ".h5mu":
        raise ValueError("impute_modality writes the prediction as a layer of an .h5mu output (out *.h5mu, for an "
                         "h5mu input); with out *.h5ad pass impute_out=FILE.h5ad too")
    None if memory_budget is None else parse_bytes(memory_budget)  # before the model is loaded (as fit_files)
    check_model_and_paths(inputs, folder)  # a missing file or model folder: before the device check and the load
    model, folder = _model_and_path(model, device=device)
    check_fragments_model(fragments, model)  # a model without peaks, before the query is read
    inputs = inputs.with_sample_key(model_batch_key(model))  # several samples: each a batch in the model's column
    if seed is not None and (finetune_epochs == 0 or finetune_epochs is None and model.adapter is not None):
        raise ValueError("seed seeds the fine-tuning, which " + ("finetune_epochs=0 skips" if finetune_epochs == 0 else
                         "a mapped model (map_query) never gets unless finetune_epochs >= 1 is given") + ": pass seed=None")
    field = f"finetune_epochs_{model.second_kind.lower()}"  # the model's default epochs: 0 fine-tunes nothing either
    if seed is not None and finetune_epochs is None and not model.config.finetune_epochs(model.second_kind):
        raise ValueError(f"seed seeds the fine-tuning, which this model skips by default (fitted with {field}=0): "
                         "pass seed=None, or give finetune_epochs >= 1")
    if impute_modality is not None or impute_out is not None:  # a model saved without moments cannot impute
        from ..imputation.run import check_modality_name, check_moments

        check_moments(model, "impute_out" if impute_out is not None else "impute_modality")
        None if impute_modality is None else check_modality_name(model, impute_modality, arg="impute_modality")
    if labels_out is not None and not model.layout.n_cell_type:
        raise ValueError(
            f"labels_out needs a model fitted with cell types; {folder or 'the model'} was fitted without "
            "(JAEConfig(mode='unsupervised')): pass labels_out=None"
        )
    # annotations: a mapped model's batch column; one pass over the counts (the features are kept for every step)
    # a mapped model's batches are checked as the query is read, before its fragments are counted or its peaks remapped
    check = (lambda read: check_mapped_cells(model, read)) if model.adapter is not None else None
    data = open_query(inputs, model, fragments=fragments, remap_peaks=remap_peaks, memory_budget=memory_budget,
                      what="embed", progress_bar=progress_bar, check=check)
    if model.adapter is not None and isinstance(data, PairedFiles):  # its batch column only in the second file: read
        data = data.with_columns([model.adapter.batch_key, getattr(model, "batch_key", None)])  # from it, as jae map
        # read it (and model.embed read whole); the reference's column gives its own cells their reference batch
    if check is not None and fragments is None and not remap_peaks:  # a mapped model reads each cell's batch: cells
        check(data)  # without one refused before any work, and none of a mapped batch (a renamed query) said
    if model.adapter is not None and finetune_epochs is None:  # made by map_query: keep the frozen reference
        finetune_epochs = 0
        logger.info("the model maps query cells %s (jae map): embedding without fine-tuning", _mapped_onto(model))
    if isinstance(data, PairedFiles) and finetune_epochs != 0 and model.config.decoder_batch:  # the decoder's batches
        data = data.with_columns([getattr(model, "batch_key", None) or "batch"])  # in the second file alone: read too
    batch_key = None if finetune_epochs == 0 else decoder_batch_key(model, data)  # decoder_batch: fit's column
    if finetune_epochs != 0:
        model = model if folder is not None else copy.deepcopy(model)
    with features_kept(data):  # the features are computed once, whether data is on disk or in memory
        impute = impute_out is not None or impute_modality is not None
        if impute:  # nothing to impute (every cell paired) is said before fine-tuning, not after
            from ..imputation.run import layer_modality, modality_to_impute

            found = query_features(model, data, layer=inputs.layer)
            asked = "impute_out" if impute_out is not None else "impute_modality"
            i = modality_to_impute(model, found.observed, impute_modality, arg="impute_modality",
                                   nothing_fix=f"pass {asked}=None")  # nothing to impute: ask for no imputation
            from ..imputation.memory import check_prediction_memory

            check_prediction_memory(model, found.observed, i, fix=lambda n: (  # before fine-tuning and embedding
                f"split the input into files of at most {n:,} cells lacking it, or pass {asked}=None and impute in "
                f"Python in parts of that many cells (jae.impute(model, mdata[:{n}]), then the next cells)"))
            target = None if impute_out is not None else layer_modality(
                inputs.h5mu, rna=inputs.rna, other=inputs.other, other_kind=inputs.mod2_kind, index=i,
                cells=found.cells[~found.observed[:, i]], model=model)
        # cells of batches not mapped, or of reference batches: warned by fine-tuning, not again by embed or impute;
        # obs columns two modalities hold with other values: warned, once, as the output holds the input's obs
        from ..imputation.run import impute as jae_impute  # torch's module: imported once the inputs are checked

        with _said_once("jae.mapping.train", "jae.mapping.adapter"), reading_columns(None):
            if finetune_epochs != 0:
                model.finetune(data, batch_key=batch_key, epochs=finetune_epochs, layer=inputs.layer, seed=seed,
                               progress_bar=progress_bar)
            Z = model.embed(data, key_added=None, layer=inputs.layer)
            imputed = jae_impute(model, data, modality=impute_modality, layer=inputs.layer) if impute else None
            labels = model.predict_cell_type(data, embedding=Z) if model.layout.n_cell_type else None
    cells = pd.Index(data.obs_names)
    # numeric cell types come back as text categories, as obs stores them (jae.labels.obs_labels)
    columns = None if labels is None else {LABEL_COLUMNS[k]: labels[k].values for k in LABEL_COLUMNS}
    # the input's own obs (batch, annotations) beside the labels, to colour by in scanpy (an .h5mu copy: annotations)
    # two competition files: mod2's own columns too, beside mod1's (one read whole, a MuData, holds both)
    obs = both_files_obs(data) if inputs.source == "competition" else data.obs
    columns = with_input_obs(obs, cells, columns, annotations=None if out.suffix == ".h5ad" and copied is None
                             else inputs.annotations)  # a copy holds its own obs: the annotation files' beside
    dataset_id = _dataset_id(data)
    del data  # before an .h5mu copy of the input is read
    from .._launch import is_writer

    written = []
    if is_writer():  # under torchrun only process 0 writes; the others wrote each output to a temporary (an .h5mu
        # copy of the input too) and deleted it
        with atomic_outputs():  # all of them or none: a failure writing the labels leaves no embedding behind
            write_embedding(model, Z, cells, out, inputs=inputs, dataset_id=dataset_id, method_id=method_id,
                             columns=columns, overwrite=overwrite,
                             imputed=None if impute_out is not None or not impute else (imputed, target), copy=copied)
            written.append(out)
            if labels_out is not None:
                text = labels.to_csv(index_label="cell")
                written.append(atomic_write(labels_out, lambda p: p.write_text(text, encoding="utf-8"),
                                            protect=protect, overwrite=overwrite))
            if imputed is not None and impute_out is not None:
                from ..io import write_atomic

                written.append(write_atomic(imputed, impute_out, protect=protect, overwrite=overwrite))
    return FilesResult(model=model, written=tuple(written), n_cells=len(cells), embedding=Z, obs_names=cells,
                       labels=labels)


def _dataset_id(data, default: str = "jae") -> str:
    """``uns['dataset_id']`` of the data or of one of its modalities; ``default`` when none has one."""
    for source in (data.uns, *(m.uns for m in getattr(data, "mod", {}).values())):
        if "dataset_id" in source:
            return str(source["dataset_id"])
    return default


def _mapped_onto(model) -> str:
    """What a mapped model's network is, for embed_files' log line: the frozen reference, unless it was fine-tuned
    after its last mapping (:func:`jae.mapping.finetune_count` against the record's ``finetunes_before``)."""
    from ..mapping.train import finetune_count, mappings_of

    before = (mappings_of(model) or [{}])[-1].get("finetunes_before")
    if before is None:  # a record of older jae: whether it was fine-tuned since is unknown
        return "onto its reference"
    if finetune_count(model) > int(before):
        return "onto a reference fine-tuned after the mapping (its network no longer the frozen reference's)"
    return "onto a frozen reference"


@contextmanager
def _said_once(*names: str):
    """Within the block, a log record of the loggers ``names`` repeating one already passed is dropped (one command's
    two passes over the same cells say a warning once)."""
    seen: set[str] = set()

    def once(record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if text in seen:
            return False
        seen.add(text)
        return True

    logs = [logging.getLogger(name) for name in names]
    for log in logs:
        log.addFilter(once)
    try:
        yield
    finally:
        for log in logs:
            log.removeFilter(once)
