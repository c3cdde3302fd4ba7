"""Readers for paired data: the competition's two ``.h5ad`` files and MuData ``.h5mu`` (Cell Ranger's ``.h5`` and
matrix folder: :mod:`jae.io.cellranger`).

Every reader returns a :class:`mudata.MuData` whose modalities carry the canonical names (``'rna'`` and
``'atac'`` or ``'prot'``), raw counts in ``.layers['counts']`` and plain (unprefixed) per-cell columns in
``mdata.obs``.
"""

from __future__ import annotations

import logging
import os
import random
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import anndata as ad
import h5py
import mudata as md
import numpy as np
import pandas as pd

from .._words import count
from .features import examples
from .mosaic import unique_cells_of as unique_of  # paired or mosaic data's fix for repeated cell names
from .cell_obs import agreeing_obs, columns_taken_elsewhere, modality_obs, with_hashtag_columns
from .files import (_check_file, _readable, check_is_anndata, check_is_mudata, check_not_empty,
                    check_not_mudata)
from .modality import (MOD_NAMES, detect_kind, known_kind, h5mu_kinds, hashtag_modalities,
                       held_types, normalize_kind, pair_from_names, pick_modalities, swapped_pair, typed_as)
from .raw import counts_or_x, resolve_raw
from .zarr_stores import is_zarr, open_tree, read_store

__all__ = ["read_competition", "read_h5mu", "read_h5mu_as_stored", "read_h5ad",
           "read_obs", "make_mudata"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike


@contextmanager
def kept_random():
    """Python's ``random`` left as it was after the block: MuData draws its temporary column names from it (reading,
    updating), which moved a user's later draws."""
    state = random.getstate()
    try:
        yield
    finally:
        random.setstate(state)


@contextmanager
def _quiet_mudata():
    """MuData 0.4 behaviour (no pulling of modality columns into ``.obs``), without MuData's log lines and the
    warning about feature names shared between modalities (a protein and its gene, e.g. ``CD4``); Python's ``random``
    left as it was (MuData draws its temporary column names from it, which moved a user's later draws)."""
    previous = md.set_options(pull_on_update=False).opts  # the values before the change
    try:
        with warnings.catch_warnings(), kept_random():
            warnings.filterwarnings("ignore", message=".*var_names are not unique.*", category=UserWarning)
            warnings.filterwarnings("ignore", message=".*var_names are intersecting.*", category=UserWarning)
            yield
    finally:
        md.set_options(**previous)


def make_mudata(mods: dict[str, ad.AnnData]) -> md.MuData:
    """Build a MuData from modalities without MuData 0.3's prefixed obs copies (``'rna:batch'``).

    Feature names shared between modalities are allowed. ``mdata.obs`` starts with no columns.

    Parameters
    ----------
    mods
        ``{name: AnnData}``; the AnnData objects are used as they are, not copied.

    Returns
    -------
    The MuData.
    """
    with _quiet_mudata():
        return md.MuData(mods)


def _counts_layer(adata: ad.AnnData, *, where: str, layer: str | None = "counts") -> None:
    """Make sure raw counts sit in ``adata.layers['counts']``: copy the reference of ``.X`` when needed."""
    layer = counts_or_x(adata, layer, where=where)
    if layer is None:
        adata.layers["counts"] = adata.X
    elif layer != "counts":
        adata.layers["counts"] = adata.layers[layer]


def _add_obs_columns(mdata: md.MuData, source: pd.DataFrame, *, what: str, replace_existing: bool = False) -> None:
    """Join the columns of ``source`` into ``mdata.obs`` by cell name; columns ``mdata.obs`` already has are kept
    unless ``replace_existing``, and then only for the cells ``source`` holds (the others keep theirs: a file of
    some cells' batches does not wipe the other cells'); cells not in ``source`` get NaN in its other columns."""
    new = [c for c in source.columns if replace_existing or c not in mdata.obs.columns]
    skipped = [c for c in source.columns if c not in new]
    if skipped:
        logger.debug("%s: keeping the existing columns %s", what, skipped)
    if not new:
        return
    if not source.index.is_unique:
        dup = source.index[source.index.duplicated()].unique()
        raise ValueError(f"{what} has {count(len(dup), 'duplicated cell name')} (e.g. {examples(dup)}); make its "
                         "cell names unique there (obs_names, or the table's first column)")
    from .annotations import joined_column

    held = [c for c in new if c in mdata.obs.columns]  # replaced where the global obs holds the data's own values
    lacked = int((~mdata.obs_names.isin(source.index)).sum())
    only = {c: m for c in new if c not in held for m, a in reversed(mdata.mod.items()) if c in a.obs.columns}
    if lacked and only:  # the annotations' warning says such cells keep the data's values: these are not read
        col, mod = next(iter(only.items()))
        logger.warning("%s: %s only in the modalities' obs, not in mdata.obs, so the %d cells it lacks get missing "
                       "values there, not the modalities' values (which stay in their obs); to keep those, copy the "
                       "column into mdata.obs first, e.g. mdata.obs[%r] = mdata[%r].obs[%r]", what,
                       f"the data holds {list(only)}", lacked, col, mod, col)
    for col in new:
        series = source[col]
        mdata.obs[col] = joined_column(series, mdata.obs_names, mdata.obs[col] if col in mdata.obs.columns else None)
    for adata in mdata.mod.values():  # the modalities' copies of a replaced column leave (their values stay in the
        gone = [c for c in adata.obs.columns if c in held]  # global obs for the cells the annotations lack): else
        if gone:  # cell_obs says them dropped, per modality, with a rename that does not apply
            adata.obs = adata.obs.drop(columns=gone)


def read_h5ad(path: PathLike, *, what: str = "input", mudata_fix: str | None = None, tenx_fix: str | None = None,
              **kwargs) -> ad.AnnData:
    """``anndata.read_h5ad`` of ``path`` with a clear error for a missing file or a MuData file, and without
    old-format warnings.

    The competition's files were written by an old anndata; reading them is fine and warns for nothing.
    ``what`` names the file in the error (e.g. ``'--prediction'``); ``mudata_fix`` the fix when the file is an
    ``.h5mu`` (:func:`check_not_mudata`; ``{save}`` in it stands for saving a modality as ``.h5ad``); ``tenx_fix`` the
    fix when it is a Cell Ranger ``.h5`` (:func:`check_is_anndata`); ``kwargs`` go to ``anndata.read_h5ad``.
    """
    if is_zarr(path := _check_file(path, what=what, store=not kwargs)):  # a zarr store: read whole (never backed)
        return read_store(path, what=what, kind="AnnData", fix=mudata_fix)
    with warnings.catch_warnings(), _readable(path, what=what, fmt=".h5ad"):
        with h5py.File(path, "r") as f:
            check_not_mudata(f, path, what=what, fix=mudata_fix)
            check_is_anndata(f, path, what=what, tenx_fix=tenx_fix)
        warnings.filterwarnings("ignore", message=".*without encoding metadata.*", category=PendingDeprecationWarning)
        warnings.simplefilter("ignore", ad.OldFormatWarning)
        # duplicated cell or feature names: jae's own checks name them and the fix (unique_cells, unique_features)
        warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
        # under pandas 2.0 anndata says it of an empty var or obs (a file of no features, e.g. annotations): no names
        warnings.filterwarnings("ignore", message="Transforming to str index", category=ad.ImplicitModificationWarning)
        return ad.read_h5ad(path, **kwargs)


def read_obs(path: PathLike, *, what: str = "annotation") -> pd.DataFrame:
    """The ``obs`` frame of the ``.h5ad`` file ``path``, read without loading its matrix (the file is closed again),
    or of a text table of cell annotations (a CSV or TSV, gzip-compressed too: :func:`jae.io.annotation_tables.
    read_table`); ``what`` names the file in the errors."""
    path = _check_file(path, what=what)
    if not h5py.is_hdf5(path):
        from .annotations import table_head  # a .csv.gz too

        first = table_head(path)
        if first is not None:  # otherwise read_h5ad says what the file is
            from .annotation_tables import read_table

            return read_table(path, first, what=what)
    fix = (f"annotations are read from an .h5ad's obs: write its obs as one, e.g. "
           f"anndata.AnnData(obs=mudata.read_h5mu({str(path)!r}).obs).write_h5ad(...), and pass that")
    adata = read_h5ad(path, what=what, backed="r", mudata_fix=fix)
    try:
        return adata.obs.copy()
    finally:
        adata.file.close()


def obs_columns(path: PathLike, *, what: str = "annotation") -> list[str]:
    """The ``obs`` column names of an ``.h5ad``, from the header anndata writes (the ``column-order`` attribute of
    its ``obs`` group) without reading the columns; a file without it (or not HDF5) is read by :func:`read_obs`,
    with its checks."""
    path = _check_file(path, what=what)
    if h5py.is_hdf5(path):
        with _readable(path, what=what, fmt=".h5ad"), h5py.File(path, "r") as f:  # locked: said as read_h5ad says it
            obs = f.get("obs")
            if isinstance(obs, h5py.Group) and "column-order" in obs.attrs:
                return [c.decode() if isinstance(c, bytes) else str(c) for c in np.atleast_1d(obs.attrs["column-order"])]
    return [str(c) for c in read_obs(path, what=what).columns]


def read_competition(
    mod1: PathLike,
    mod2: PathLike,
    *,
    annotations: PathLike | Sequence[PathLike] | None = None,
    layer: str | None = "counts",
    mod2_kind: str | None = None,
) -> md.MuData:
    """Read paired data in the NeurIPS 2021 competition layout (two ``.h5ad`` files, one per modality).

    Parameters
    ----------
    mod1, mod2
        Paths to the ``*.mod1.h5ad`` (GEX) and ``*.mod2.h5ad`` (ATAC or ADT) files. The kinds are detected from
        ``var['feature_types']``; without it mod1 is GEX and mod2's feature names decide where they can
        (:func:`jae.io.modality.kind_from_names`: genomic intervals are ATAC, a panel of at most
        :data:`jae.io.modality.MAX_ADT_FEATURES` (500) other names ADT), e.g. a plain ``rna.h5ad`` + ``adt.h5ad``
        pair.
    annotations
        Path(s) to ``.h5ad`` files whose ``obs`` holds cell annotations (e.g. ``*.solution.h5ad`` or
        ``*.output_rna.h5ad``), or CSV / TSV tables of them (``.csv.gz`` / ``.tsv.gz`` too; the first column names the
        cells: :mod:`jae.io.annotation_tables`). Their columns are joined by cell name, replacing the data files' own columns of
        the same name (e.g. ``'batch'``; a later file's replace an earlier's), as ``jae fit --annotations`` and
        :class:`jae.io.InputFiles` do; cells absent from a file keep the data's own value of a column it replaces
        and get missing values in its other columns (integers stay integers: pandas' Int64), extra cells are ignored.
        Only ``obs`` is read.
    layer
        Layer of the files holding raw counts; stored as ``.layers['counts']`` (``.X`` is used when the files
        have no such layer and ``layer='counts'``, and always when ``layer=None``; ``'raw'``: each file's ``.raw``,
        matrix and features, as :mod:`jae.io.raw` explains).
    mod2_kind
        ``'ATAC'`` or ``'ADT'``: the kind of mod2 when its ``var`` has no ``'feature_types'`` column (overrides the
        column when given).

    Returns
    -------
    MuData with modalities ``'rna'`` and ``'atac'`` or ``'prot'`` (``.X`` as in the files, raw counts in
    ``.layers['counts']``); ``mdata.obs`` holds mod1's per-cell columns (e.g. ``'batch'``), those the annotation
    files also hold replaced by theirs for the cells the files hold, then the annotation files' other columns;
    ``mdata.uns`` gets ``'dataset_id'`` and ``'organism'`` when the files carry them.
    """
    paths = [_check_file(mod1, what="mod1", store=True), _check_file(mod2, what="mod2", store=True)]
    from .annotations import annotation_columns, join_annotations

    with columns_taken_elsewhere(annotation_columns(annotations)):
        mdata = _read_competition(paths, layer=layer, mod2_kind=mod2_kind)
    if annotations is not None:
        join_annotations(mdata, annotations, data=Path(mod1).name)
    return mdata


def _read_competition(paths, *, layer, mod2_kind) -> md.MuData:
    adatas = [read_h5ad(p, what=w) for p, w in zip(paths, ("mod1", "mod2"))]
    for path, adata in zip(paths, adatas):
        check_not_empty(str(path), adata.n_obs, adata.n_vars)
        unique_of(adatas[0].obs_names, adatas[1].obs_names)(adata.obs_names, str(path), written=True)
    kinds = [detect_kind(a, name=None, where=f"{w} file {p.name}") if "feature_types" in a.var else None
             for a, p, w in zip(adatas, paths, ("mod1", "mod2"))]
    kinds, order = pair_kinds(kinds, paths, mod2_kind, mod2_names=adatas[1].var_names,
                              mod1_names=adatas[0].var_names)
    mods = {}
    for i in order:
        name = MOD_NAMES[kinds[i]]
        adatas[i] = resolve_raw(adatas[i], layer, where=paths[i].name)  # layer='raw': the file's .raw
        _counts_layer(adatas[i], where=f"{paths[i].name}", layer=layer)
        mods[name] = typed_as(adatas[i], kinds[i], where=paths[i].name) if mod2_kind and i == 1 else adatas[i]
    mdata = make_mudata(mods)
    rna = adatas[order[0]]
    other = adatas[order[1]]
    same_cells = rna.obs_names.equals(other.obs_names) or (len(rna.obs_names) == len(other.obs_names)
                                                             and rna.obs_names.isin(other.obs_names).all())
    # files holding different cells (mosaic): the other file's columns too, and its cells' own annotations
    # the same cells: RNA's columns, with a batch only the other file gives (agreeing_obs)
    _add_obs_columns(mdata, modality_obs([rna.obs, agreeing_obs(other.obs) if same_cells else other.obs],
                                         mdata.obs_names, names=[paths[i].name for i in order]),
                     what=str(paths[order[0]]))
    for key in ("dataset_id", "organism"):
        for a in (rna, adatas[order[1]]):
            if key in a.uns:
                mdata.uns[key] = a.uns[key]
                break
    return mdata


def read_h5mu(
    path: PathLike,
    *,
    rna: str = "rna",
    other: str | None = None,
    other_kind: str | None = None,
    layer: str | None = "counts",
) -> md.MuData:
    """Read a MuData ``.h5mu`` with an RNA modality and an ATAC or protein modality.

    Parameters
    ----------
    path
        The ``.h5mu`` file.
    rna
        Name of the RNA modality in the file.
    other
        Name of the ATAC or protein modality; by default the only other modality.
    other_kind
        ``'ATAC'`` or ``'ADT'``; detected from ``var['feature_types']`` or the modality name when not given.
    layer
        Layer of each modality holding raw counts, stored as ``.layers['counts']``, as for :func:`read_competition`
        (``'raw'``: each modality's ``.raw``, matrix and features, as :mod:`jae.io.raw` explains).

    Returns
    -------
    MuData with the two modalities renamed ``'rna'`` and ``'atac'`` / ``'prot'`` (other modalities dropped),
    raw counts in ``.layers['counts']`` (the reference of ``.X`` when the file has no such layer), the file's
    global ``obs``, ``obsm`` and ``uns``, and modality-level per-cell columns added unprefixed to ``mdata.obs``.
    """
    path = _check_file(path, what=".h5mu", store=True)  # a MuData zarr store: read whole as the file is
    with _readable(path, what=".h5mu", fmt=".h5mu"):
        if not is_zarr(path):
            with h5py.File(path, "r") as f:
                check_is_mudata(f, path, what=".h5mu")
        source = read_h5mu_as_stored(path, pair=(rna, other))  # a store: the other modalities' matrices not read
    available = list(source.mod)
    types_of = held_types(source.mod)
    rna, other = pick_modalities(path.name, available, rna, other, types_of=types_of, path=path)
    hashtags = hashtag_modalities([m for m in available if m not in (rna, other)], types_of)
    rna_ad, other_ad = source.mod[rna], source.mod[other]
    for name, adata in ((rna, rna_ad), (other, other_ad)):  # (mosaic data: its own fix for repeated cell names)
        check_not_empty(f"{path} modality {name!r}", max(rna_ad.n_obs, other_ad.n_obs), adata.n_vars)
        unique_of(rna_ad.obs_names, other_ad.obs_names)(adata.obs_names, f"{path} modality {name!r}", written=True)
    kind = h5mu_kinds(rna, other, rna_ad.var, other_ad.var, other_kind=other_kind, available=available)
    dropped = [m for m in available if m not in (rna, other) and m not in hashtags]
    if dropped:
        logger.info("%s: ignoring modalities %s", path.name, dropped)
    names = {rna: "rna", other: MOD_NAMES[kind]}
    chosen = {old: resolve_raw(source.mod[old], layer, where=f"modality {old!r}") for old in names}  # 'raw': .raw
    for old, adata in chosen.items():
        _counts_layer(adata, where=f"modality {old!r}", layer=layer)
    mdata = make_mudata({new: typed_as(chosen[old], kind, where=f"modality {old!r}") if other_kind and old == other
                         else chosen[old] for old, new in names.items()})
    # the file's global obs, without MuData's prefixed copies of modality columns ('rna:batch'; a hashtag modality's
    # are kept, as in memory: its demultiplexing results, e.g. 'hto:hash_id', may be the batch_key)
    prefixed = {f"{m}:{c}" for m in available if m not in hashtags for c in source.mod[m].obs.columns}
    global_obs = with_hashtag_columns(source.obs.drop(columns=[c for c in source.obs.columns if c in prefixed]),
                                      {m: source.mod[m].obs for m in hashtags})
    _add_obs_columns(mdata, global_obs, what=path.name)
    _add_obs_columns(mdata, modality_obs([chosen[old].obs for old in names], mdata.obs_names,
                                         names=[f"modality {old!r}" for old in names], skip=global_obs.columns),
                     what=path.name)
    for key in source.obsm:  # not MuData's masks of the file's modalities (renamed or dropped here)
        if key in available:
            continue
        if source.obsm[key].shape[0] == mdata.n_obs and source.obs_names.equals(mdata.obs_names):
            mdata.obsm[key] = source.obsm[key]
    mdata.uns.update(source.uns)
    return mdata


def read_h5mu_as_stored(path: PathLike, *, pair: tuple | None = None) -> md.MuData:
    """``mudata.read_h5mu`` with the global ``obs`` as the file stores it, as the streaming reader and anndata have it:
    MuData's reader converts its dtypes (whole-number floats to int64, or Int64 with missing values), which would
    rename batches and cell types ('1.0' -> '1') and change the user's columns in a copy of the file. ``pair``: of a
    zarr store, ``(rna, other)``, the modalities whose matrices are read (:func:`jae.io.zarr_stores.read_store`)."""
    from .elems import read_elem

    with _quiet_mudata():  # a MuData zarr store: read as its .h5mu is
        mdata = read_store(path, what=".h5mu", kind="MuData", pair=pair) if is_zarr(path) else md.read_h5mu(path)
    with open_tree(path) as f:
        stored = read_elem(f["obs"]) if "obs" in f else None
    if stored is not None and len(stored.columns) and stored.index.is_unique and len(stored) == mdata.n_obs \
            and stored.index.isin(mdata.obs_names).all():
        mdata.obs = stored if stored.index.equals(mdata.obs_names) else stored.reindex(mdata.obs_names)
    return mdata


def pair_kinds(kinds: list, paths: list, mod2_kind: str | None, mod2_names=None,
               mod1_names=None) -> tuple[list[str], list[int]]:
    """The kinds of a competition file pair (mod1 without ``feature_types`` is GEX; ``mod2_kind`` overrides mod2's;
    without either, mod2's feature names ``mod2_names`` decide when they can: :func:`jae.io.modality.kind_from_names`)
    and the order that puts GEX first; raises when mod2's kind is unknown or the pair is not GEX + ATAC/ADT."""
    kinds = list(kinds)
    if kinds == [None, None] and mod2_kind is None and mod1_names is not None and mod2_names is not None:
        swapped = swapped_pair(paths, mod1_names, mod2_names)  # before mod1 is taken for GEX
        if swapped:
            raise ValueError(swapped)
    if kinds[0] is None:
        kinds[0] = "GEX"
    if mod2_kind is not None:
        if known_kind(mod2_kind) not in ("ATAC", "ADT"):  # 'GEX' was blamed on the files, 'bogus' named kind=
            raise ValueError(f"mod2_kind={mod2_kind!r} is no kind of a second modality; pass mod2_kind='ATAC' or 'ADT', or None to tell it from the file")  # noqa: E501
        kinds[1] = normalize_kind(mod2_kind)
    if kinds[1] is None and mod2_names is not None:
        kinds[1] = pair_from_names(["GEX", None], (None, mod2_names))[1]  # mod2 as the partner of a GEX file
        if kinds[1] is not None:
            logger.info("%s has no var['feature_types']; its %d feature names %s, so the second modality is read as "
                        "%s (name its kind to override this: --mod2-kind, or mod2_kind= in Python)", Path(paths[1]).name, len(mod2_names),
                        "are genomic intervals" if kinds[1] == "ATAC" else "are few and no genomic intervals",
                        kinds[1])
    if kinds[1] is None:
        raise ValueError(
            f"{paths[1]} has no var['feature_types'], so jae cannot tell ATAC from ADT; pass mod2_kind='ATAC' or "
            "mod2_kind='ADT'"
        )
    if kinds[0] == kinds[1] or "GEX" not in kinds:
        raise ValueError(
            f"mod1 {paths[0].name} is {kinds[0]} and mod2 {paths[1].name} is {kinds[1]}; jae pairs GEX (mod1) with "
            "ATAC or ADT (mod2): pass the two modality files of one dataset"
        )
    return kinds, ([0, 1] if kinds[0] == "GEX" else [1, 0])
