"""Evaluation on files: :func:`evaluate_files` (``jae evaluate``), :func:`jae.evaluate` on data named by its files."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._flags import check_flags
from ..evaluation.checks import DEFAULT_BATCH_KEY
from ..io.inputs import InputFiles
from ..io.outputs import check_model_folders, check_outputs
from ..io.samples_files import removes_temporary_files

__all__ = ["evaluate_files"]

PathLike = str | os.PathLike


@removes_temporary_files  # Cell Ranger samples combined, zarr stores copied, on disk: removed after
def evaluate_files(
    inputs: InputFiles,
    embeddings: Mapping[str, np.ndarray | str | os.PathLike] | Sequence[str] = (),
    out: PathLike | None = None,
    *,
    baseline: bool = False,
    cell_type_key: str = "cell_type",
    batch_key: str | None = DEFAULT_BATCH_KEY,
    pseudotime_keys: Sequence[str] | None = None,
    organism: str | None = None,
    seed: int = 0,
    device: str | None = None,
    report: bool = True,
    umap_max_cells: int = 50_000,
    overwrite: bool = False,
    progress_bar: bool = True,
    knn: str = "auto",
) -> pd.DataFrame:
    """Score joint embeddings of the data in ``inputs`` and write the metrics table and report to ``out``
    (``jae evaluate``).

    Parameters
    ----------
    inputs
        The data with its annotations (:class:`jae.io.InputFiles`); ``inputs.rna`` and ``inputs.layer`` name the
        RNA modality and its raw counts. The files are opened, not read: only the annotations, the embeddings and
        the RNA (in row blocks, for the cell-cycle reference) are read (``baseline=True`` reads every modality, in
        row blocks too; Cell Ranger files are read whole, except one Cell Ranger .h5 scored without the baseline:
        its RNA alone is read, in blocks of cells, into memory: :func:`jae.io.cellranger_blocks.read_gex`). RNA
        alone (``mod1`` without ``mod2``, or an ``.h5mu`` of RNA alone, both opened the same way; an ``.h5mu`` of
        one other modality and an ``.h5ad`` of one modality, e.g. scanpy's, are read whole) is scored too: only
        cc_cons reads the RNA (``baseline=True`` needs both modalities).
    embeddings
        As for :func:`jae.evaluate`: obsm keys, or ``{name: array, obsm key or path of a competition embedding
        .h5ad}``; embedding files are never written to.
    out
        Folder for ``metrics.csv``, ``metrics.md`` and (``report=True``) the UMAPs, bar chart and ``index.html``;
        None writes nothing.
    baseline, cell_type_key, batch_key, pseudotime_keys, organism, seed, device, report, umap_max_cells, progress_bar, knn
        As for :func:`jae.evaluate` (``report=False``: only ``metrics.csv`` and ``metrics.md``, as ``--no-report``).
    overwrite
        Replace the files of an earlier evaluation in ``out``.

    Returns
    -------
    The metrics table of :func:`jae.evaluate` (one row per embedding; ``attrs['report']`` the report's path when
    one was written).
    """
    from ..evaluation.run import evaluate
    from .._device import usable_device
    from ..evaluation.checks import check_argument_shapes, check_run_args
    from ..io.files import _check_file
    from ..io.paths import user_path

    if not isinstance(inputs, InputFiles):
        raise TypeError(f"inputs must be jae.io.InputFiles (the files to score), not {type(inputs).__name__}; for data "
                        "in memory call jae.evaluate(mdata, ...)")
    if isinstance(embeddings, Iterator):  # filter(...), a generator: read once, not used up by the checks
        embeddings = list(embeddings)
    check_argument_shapes(embeddings, cell_type_key=cell_type_key, batch_key=batch_key, pseudotime_keys=pseudotime_keys)
    if isinstance(batch_key, str):  # several samples: each a batch in the column scored (a str: a key, not a list)
        inputs = inputs.with_sample_key(str(batch_key))
    check_flags(baseline=baseline, report=report, overwrite=overwrite, progress_bar=progress_bar)
    items = dict(embeddings) if isinstance(embeddings, Mapping) else {str(k): str(k) for k in embeddings}
    if not (items or baseline):
        from ..evaluation.inputs import stored_obsm_keys

        stored = stored_obsm_keys([p for p in inputs.paths if p.is_file()])
        held = f" (the data's obsm holds {', '.join(map(repr, stored))})" if stored else ""
        raise ValueError(f"nothing to evaluate: pass embeddings=[obsm keys]{held} or {{name: array or file}}, "
                         "and/or baseline=True")
    check_run_args(seed=seed, device=device, umap_max_cells=umap_max_cells, report=out is not None and report,
                   check_device=False)  # the device below, after the checks that import no torch
    items = {k: user_path(v) if isinstance(v, os.PathLike) or (isinstance(v, str) and _is_path(v)) else v
             for k, v in items.items()}
    files = [v for v in items.values() if isinstance(v, Path)]
    _refuse_keys_as_paths(items, inputs)
    protect = inputs.paths + files
    if out is not None:
        out = user_path(out)
        # before the earlier report's check: --overwrite would not help there
        check_model_folders([("out", out)], any_model="is or inside")
        from ..io.report_files import check_earlier_report, holds_report  # a folder of other files alone: written into

        if report and not overwrite:  # a user's umap_<name>.png, which --overwrite does not lift, said first
            from ..evaluation.embeddings import check_user_umaps

            check_user_umaps(out, items, baseline=baseline, what="out")

        check_earlier_report(out, overwrite=overwrite, what="out")  # its files named, the others kept
        check_outputs([("out", out)], inputs=protect, overwrite=overwrite or not holds_report(out), folders=("out",))
    inputs.check_paths()  # a missing file, then a missing embedding file, each as its reader says it ...
    for path in files:
        if not os.path.exists(path):
            _check_file(path, what="embedding")
    usable_device(device)  # ... before the device check imports torch: 'gpu', 'cuda' without a GPU, said before reading
    data = _rna_alone(inputs, baseline=baseline)
    if data is None:
        data = inputs.open(plan=False, once=True)  # on disk: jae.evaluate reads only what the metrics need, once
    from ..report.settings import read_from  # (columns only the second competition file holds: jae.evaluate's)

    sources = inputs.data_paths  # (several --10x files too)
    with read_from(sources, inputs.annotations):  # data read whole (--h5ad, --10x): its files named in the report
        return evaluate(
            data, items, cell_type_key=cell_type_key, batch_key=batch_key, pseudotime_keys=pseudotime_keys,
            organism=organism, baseline=baseline, rna=inputs.rna, layer=inputs.layer, seed=seed, device=device,
            report_dir=out, report=report, umap_max_cells=umap_max_cells, overwrite=overwrite, protect=protect,
            progress_bar=progress_bar, knn=knn,
        )


def _refuse_keys_as_paths(items: dict, inputs: InputFiles) -> None:
    """Refuse an embedding given as a path (``jae evaluate --prediction NAME=X_scVI``) that is no file but names an
    obsm key of the data: "file X_scVI does not exist; check the path" did not say where the embedding is."""
    missing = {k: v for k, v in items.items() if isinstance(v, Path) and not v.exists()}
    if not missing:
        return
    from ..evaluation.inputs import stored_obsm_keys

    stored = stored_obsm_keys([p for p in inputs.paths if p.is_file()])
    for name, path in missing.items():
        if str(path) in stored:
            raise ValueError(f"embedding file {path} does not exist, but the data's obsm holds {str(path)!r}: pass "
                             f"it as an obsm key (text, not a path): embeddings={{{str(name)!r}: {str(path)!r}}}")


def _is_path(value: str) -> bool:
    """Whether an embedding given as text names a file (an existing one, or a name ending like one) rather than an
    obsm key."""
    from ..evaluation.inputs import _is_file_name

    return _is_file_name(value) or value.startswith("~") or Path(value).expanduser().is_file()


def _rna_alone(inputs: InputFiles, *, baseline: bool = False):
    """RNA alone, with the annotation files joined: ``mod1`` alone, or an ``.h5mu`` whose one modality is RNA, opened
    on disk (:func:`jae.io.open_rna`: its counts streamed for cc_cons); an ``.h5mu`` holding one other modality read
    into memory. Scoring a stored embedding needs only the RNA (for cc_cons), not the second modality that
    :meth:`InputFiles.open` pairs it with; one ``.h5ad`` holding one modality (:func:`_h5ad_alone`); one Cell
    Ranger ``.h5`` (matrix folders, several samples and the baseline: read whole) as its RNA alone, read in blocks
    of cells into memory (:func:`jae.io.cellranger_blocks.read_gex`: the scores of the file read whole, its peaks
    never held). Without ``baseline``, the RNA of an ``.h5mu`` whose second modality holds no counts (the copy
    ``jae embed --impute-modality`` writes: a predicted modality, ``layers['jae_imputed']`` alone) is opened alone
    too (:func:`_beside_predicted`). None for any other input."""
    import h5py

    from ..io.mosaic import holds_no_counts
    from ..io.rna_files import open_rna, open_rna_alone

    annotations = list(inputs.annotations) or None
    if inputs.rna_only and holds_no_counts(inputs.mod1):  # embeddings alone (X=None): scored as --h5ad scores it
        return _h5ad_alone(InputFiles(h5ad=inputs.mod1, annotations=inputs.annotations, layer=inputs.layer))
    if inputs.rna_only:  # mod1 alone: the RNA .h5ad opened, not read
        try:
            return open_rna(inputs.mod1, annotations=annotations, layer=inputs.layer)
        except ValueError as err:  # ATAC or ADT alone: its fix was embed's (model.embed(...)), not a way to score it
            text, embed_fix = str(err), "; cells measured in the second modality alone are embedded"
            if embed_fix not in text:
                raise
            raise ValueError(text[:text.index(embed_fix)] + "; to score embeddings of these cells without their RNA, "
                             "pass this file alone as h5ad=FILE (cc_cons, which reads the RNA, is then n/a)") from None
    if inputs.source == "h5ad":
        return _h5ad_alone(inputs)
    if inputs.source == "10x" and (baseline or inputs.samples is not None):
        return inputs.read()  # read whole (open(plan=False) refuses Gene Expression alone, fit's): the baseline's
    if inputs.source == "10x":  # modalities, samples combined; one .h5 or matrix folder: its RNA alone, in blocks
        from ..io.cellranger_blocks import read_gex

        return read_gex(inputs)
    if inputs.source != "h5mu" or not inputs.h5mu.is_file():
        return None
    alone = open_rna_alone(inputs.h5mu, rna=inputs.rna, other=inputs.other, layer=inputs.layer, annotations=annotations)
    if alone is not None:  # opened, as mod1 alone: not read
        return alone
    rna = None if baseline else _beside_predicted(inputs)  # the baseline reads both: refused there, naming the fix
    if rna is not None:  # jae embed's own .h5mu output: its X_jae scored, as the RNA-alone input it was made from
        return open_rna(inputs.h5mu, annotations=annotations, layer=inputs.layer, modality=rna)
    try:
        with h5py.File(inputs.h5mu, "r") as f:
            if "mod" not in f or len(f["mod"]) != 1:
                return None
    except OSError:  # not HDF5: InputFiles.open says what it is
        return None
    import mudata

    from ..io.annotations import join_annotations
    from ..io.readers import kept_random

    with kept_random():  # not _quiet_mudata: reading without MuData's 'prot:batch' copies would refuse those keys
        mdata = mudata.read_h5mu(inputs.h5mu)
    if inputs.annotations:
        join_annotations(mdata, list(inputs.annotations), replace_existing=True)
    return mdata


def _h5ad_alone(inputs: InputFiles):
    """An ``.h5ad`` holding one modality (a scanpy file of RNA, its embeddings in obsm), read as :func:`jae.evaluate`
    reads such an AnnData, with the annotation files joined; None for one holding two (split by
    ``var['feature_types']`` or with ``obsm['protein_expression']``), which :meth:`InputFiles.open` reads, and for a
    file that is not an AnnData (its reader says why)."""
    import anndata as ad

    from ..evaluation.run import _as_mudata
    from ..io import read_h5ad
    from ..io.annotations import join_annotations
    from ..io.single import PROTEIN_KEY

    try:  # obs, var and obsm only: the decision of jae.io.split_anndata, without reading X
        with warnings.catch_warnings():  # duplicated names: refused below in one line, as read_h5ad quiets them
            warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
            backed = ad.read_h5ad(inputs.h5ad, backed="r")
    except Exception:  # noqa: BLE001 - missing, not HDF5, not an AnnData: InputFiles.open names the problem
        return None
    try:
        types = backed.var["feature_types"] if "feature_types" in backed.var.columns else None
        if (types is not None and types.nunique() > 1) or PROTEIN_KEY in backed.obsm:
            return None
    finally:
        backed.file.close()
    mdata = _as_mudata(read_h5ad(inputs.h5ad, what=".h5ad"), layer=inputs.layer, what=f".h5ad file {inputs.h5ad.name}",
                       written=True)
    if inputs.annotations:
        join_annotations(mdata, list(inputs.annotations), data=inputs.h5ad.name)
    return mdata


def _beside_predicted(inputs: InputFiles) -> str | None:
    """The RNA modality's name of an ``.h5mu`` of two modalities whose second holds no counts to read (``.X`` null,
    no layer ``inputs.layer``, no ``.raw``): the copy ``jae embed --impute-modality`` writes of an input of RNA alone,
    the predicted modality holding ``layers['jae_imputed']`` alone. Opening it paired refused it for the second
    modality's missing counts, which scoring a stored embedding never reads. None for any other file (its reader
    says what is wrong with it)."""
    import h5py

    from ..io.modality import pick_modalities

    try:
        with h5py.File(inputs.h5mu, "r") as f:
            mods = f.get("mod")
            if not isinstance(mods, h5py.Group) or len(mods) != 2:
                return None
            try:
                rna, other = pick_modalities(inputs.h5mu.name, list(mods), inputs.rna, inputs.other, quiet=True)
            except (KeyError, ValueError):  # which modality is which: said by InputFiles.open
                return None
            group = mods[other]
            X = group.get("X")
            layers = group.get("layers")
            held = inputs.layer is not None and isinstance(layers, h5py.Group) and inputs.layer in layers
            if (X is None or getattr(X, "shape", ()) is None) and not held and "raw" not in group:
                return rna
    except OSError:  # not HDF5: InputFiles.open says what it is
        return None
    return None
