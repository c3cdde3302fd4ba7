"""Atomic writes of AnnData / MuData files that never overwrite an input, and the competition's embedding format."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .atomic import atomic_path
from .paths import user_path

__all__ = ["check_method_id", "write_atomic", "write_embedding_h5ad"]

logger = logging.getLogger(__name__)

#: The most columns the NeurIPS 2021 competition's check takes in an embedding (``1 <= n_vars <= 100``).
MAX_COMPETITION_DIMS = 100


def check_method_id(method_id, path: str | os.PathLike | None = None) -> None:
    """Refuse, before any work, a ``method_id`` the competition's check refuses (it must be a non-empty string), or
    one given for an ``.h5mu`` ``path`` (a copy of the input, which has no ``uns['method_id']``)."""
    if not isinstance(method_id, str) or not method_id.strip():
        raise ValueError(f"method_id={method_id!r} is not a non-empty name; the competition's format needs "
                         "uns['method_id'] to name the method: pass e.g. method_id='jae'")
    if path is not None and Path(path).suffix == ".h5mu" and method_id != "jae":  # else read by nothing
        raise ValueError(f"method_id={method_id!r} is uns['method_id'] of an out *.h5ad; the out *.h5mu copy has none: "
                         "leave method_id out")


def write_atomic(
    obj,
    path: str | os.PathLike,
    *,
    protect: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Write an AnnData (``.h5ad``) or MuData (``.h5mu``) file atomically.

    The object is written to a temporary file in the target directory, then moved into place with
    :func:`os.replace`, so readers never see a half-written file; the temporary file is removed on failure.

    Parameters
    ----------
    obj
        :class:`anndata.AnnData` or :class:`mudata.MuData`.
    path
        Output path, ending in ``.h5ad`` (AnnData) or ``.h5mu`` (MuData). Missing parent folders are created.
    protect
        Paths that must not be written, typically the input files.
    overwrite
        Whether an existing file at ``path`` may be replaced; False (the default): an existing file is refused with
        :class:`FileExistsError` and left as it was.

    Returns
    -------
    The output path.

    Raises
    ------
    ValueError
        When ``path`` is one of ``protect``, or its suffix does not fit the object.
    FileExistsError
        When ``path`` exists and ``overwrite=False``.
    IsADirectoryError
        When ``path`` is a folder (with ``overwrite=True`` too: a file never replaces a folder).
    """
    path = user_path(path)
    if isinstance(obj, ad.AnnData):
        suffix = ".h5ad"
    elif type(obj).__name__ == "MuData":
        suffix = ".h5mu"
    else:
        raise TypeError(f"write_atomic writes AnnData or MuData, got {type(obj).__name__}")
    if path.suffix != suffix:
        raise ValueError(f"cannot write a {type(obj).__name__} to {path}: use a path ending in {suffix!r}")
    if path.is_dir():  # else refused only after the whole write, and without overwrite=True told to pass it
        raise IsADirectoryError(f"{path} is a folder, not a {suffix} file; choose another output path")
    with atomic_path(path, protect=protect, overwrite=overwrite) as tmp:
        if suffix == ".h5ad":
            obj.write_h5ad(tmp)
        else:
            from .readers import _quiet_mudata

            with _quiet_mudata():
                obj.write(tmp)
    logger.debug("wrote %s", path)
    return path


def write_embedding_h5ad(
    embedding: np.ndarray,
    obs_names,
    path: str | os.PathLike,
    *,
    dataset_id: str,
    method_id: str = "jae",
    protect: Iterable[str | os.PathLike] = (),
    obs: dict | pd.DataFrame | None = None,
    overwrite: bool = False,
    var_names: Sequence[str] | None = None,
    uns: dict | None = None,
) -> Path:
    """Write a joint embedding in the NeurIPS 2021 competition's output format.

    Parameters
    ----------
    embedding
        Embedding, shape ``(n_obs, n_dims)``.
    obs_names
        Cell names, length ``n_obs``, in the rows' order.
    path
        Output ``.h5ad`` path (written atomically, never one of ``protect``).
    dataset_id
        Stored in ``uns['dataset_id']``.
    method_id
        Stored in ``uns['method_id']``.
    protect
        Paths that must not be written, typically the input files.
    obs
        Per-cell columns for the file's ``obs`` (``{name: (n_obs,) values}`` or a DataFrame, in the rows' order; a
        Series or DataFrame indexed by the cell names in another order is matched by name),
        e.g. the input's annotations and the predicted cell type; none by default, as the competition's format.
    overwrite
        Whether an existing file at ``path`` may be replaced; False (the default): an existing file is refused with
        :class:`FileExistsError` and left as it was.
    var_names
        Names of the embedding's columns (e.g. :attr:`jae.JAE.column_names`:
        ``'cell_type:<name>'``, ``'free:<i>'``, ``'pc:<i>'``); None: ``'0'``, ``'1'``, ...
    uns
        More ``uns`` entries beside those two, e.g. ``{'jae': model.provenance('X')}`` (what made the embedding).

    Returns
    -------
    The output path. The file holds an AnnData with ``X`` = embedding (float32, ``(n_obs, n_dims)``), ``obs``
    indexed by the cell names (with the columns of ``obs`` when given), and ``uns['dataset_id']``,
    ``uns['method_id']``.

    Raises
    ------
    ValueError
        For an embedding that is not 2-D, has no columns or non-finite values, or whose rows do not match
        ``obs_names``; for an empty ``method_id``; when ``path`` is one of ``protect``.
    FileExistsError
        When ``path`` exists and ``overwrite=False``.

    An embedding of more than 100 columns (e.g. a reference of 80 cell types) is written with a warning: the
    competition's check takes 1 to 100 columns.
    """
    check_method_id(method_id)
    embedding = np.asarray(embedding)
    names = None if var_names is None else [str(c) for c in var_names]
    name = getattr(obs_names, "name", None)  # the index's name (e.g. 'barcode'), as scanpy users read it back
    obs_index = pd.Index(np.asarray(obs_names).astype(str), name=name if isinstance(name, str) else None)
    if embedding.ndim != 2 or not embedding.shape[1]:
        raise ValueError(f"embedding must be 2-D (cells x dims) with at least one column, got shape {embedding.shape}")
    if embedding.shape[0] != len(obs_index):
        raise ValueError(
            f"embedding has {embedding.shape[0]} rows but {len(obs_index)} cell names were given; pass the "
            "obs_names the embedding was computed for"
        )
    if not obs_index.is_unique:
        raise ValueError("cell names are duplicated; pass unique obs_names")
    if not np.isfinite(embedding).all():
        raise ValueError("embedding has NaN or infinite values; it cannot be written (check the model's training)")
    columns = {} if obs is None else {  # categorical labels (and a DataFrame's dtypes) keep their categories
        str(k): _column(_by_cell_name(v, obs_index)) for k, v in dict(obs).items()}
    for key, values in columns.items():
        if len(values) != len(obs_index):
            raise ValueError(f"obs column {key!r} has {len(values)} values for {len(obs_index)} cells; pass one per cell")
    if names is not None and len(names) != embedding.shape[1]:
        raise ValueError(f"{len(names)} column names for an embedding of {embedding.shape[1]} columns")
    if embedding.shape[1] > MAX_COMPETITION_DIMS:
        logger.warning("the embedding written to %s has %d columns; the NeurIPS 2021 competition's check takes at most "
                       "%d (1 <= n_vars <= 100), so it would refuse this file (each cell type of the model is a "
                       "column)", user_path(path).name, embedding.shape[1], MAX_COMPETITION_DIMS)
    if obs_index.name in columns:  # anndata cannot write an index named as one of the columns
        obs_index = obs_index.rename(None)
    adata = ad.AnnData(
        X=embedding.astype(np.float32),
        obs=pd.DataFrame(columns, index=obs_index),
        var=None if names is None else pd.DataFrame(index=pd.Index(names)),
        uns={**(uns or {}), "dataset_id": str(dataset_id), "method_id": str(method_id)},
    )
    return write_atomic(adata, path, protect=protect, overwrite=overwrite)


def _by_cell_name(values, cells: pd.Index):
    """A Series indexed by the same cell names as ``cells`` in another order (e.g. ``adata.obs`` of a reordered
    object) reordered to ``cells`` (it was taken by position: each cell got another's value); anything else as it
    is, taken by position."""
    if not isinstance(values, pd.Series) or values.index.equals(cells) or len(values) != len(cells):
        return values
    index = values.index.astype(str)
    if index.is_unique and index.isin(cells).all():
        return values.set_axis(index).reindex(cells)
    return values


def _column(values):
    """One obs column's values, positionally: a categorical or pandas extension array kept as it is (a Series's
    index is dropped), anything else as a numpy array (an object one as :func:`_writable_objects` makes it)."""
    if isinstance(values, pd.Series):
        values = values.array
    # pandas' wrapper of a numpy array, named PandasArray before pandas 2.1
    numpy_wrapper = getattr(pd.arrays, "NumpyExtensionArray", None) or pd.arrays.PandasArray
    if isinstance(values, pd.api.extensions.ExtensionArray) and not isinstance(values, numpy_wrapper):
        return values
    values = np.asarray(values)
    return _writable_objects(values) if values.dtype == object else values


def _writable_objects(values: np.ndarray):
    """An object column as anndata can write it (it writes text and missing values only, and failed on anything else
    after all the work, e.g. a bool annotation some cells lack: True, False and NaN): numbers as numbers, booleans
    with missing values as pandas' nullable ``boolean``, other mixes as text (missing values kept)."""
    inferred = pd.Series(values, dtype=object).infer_objects()
    if inferred.dtype != object:  # numbers (NaN for missing), or booleans without a missing value
        return inferred.to_numpy()
    present = pd.notna(values)
    kept = values[present]
    if all(isinstance(v, str) for v in kept):
        return values
    if all(isinstance(v, (bool, np.bool_)) for v in kept):
        return pd.array([v if p else None for v, p in zip(values, present)], dtype="boolean")
    return np.array([str(v) if p else np.nan for v, p in zip(values, present)], dtype=object)


def flags_with_gaps(values: pd.Series) -> pd.Series:
    """A bool column (``jae_unknown``) that cells the labels do not cover will lack, as a categorical of False / True
    (those cells NaN once reindexed): pandas' nullable ``boolean``, stored before, made scanpy's ``sc.pl.umap(color=
    'jae_unknown')`` fail ('numpy boolean negative'), even on the covered cells alone; a categorical plots, writes and
    reads back as it is."""
    return values.astype(pd.CategoricalDtype([False, True]))


def _stored_index(group) -> pd.Index:
    """The index of the dataframe ``group`` of an h5ad / h5mu file (its names only: no column is read)."""
    from .elems import read_elem

    return pd.Index(np.asarray(read_elem(group[group.attrs["_index"]])).astype(str))


def h5mu_copy_layout(path: str | os.PathLike, cells: pd.Index, modality: str | None = None) -> dict | None:
    """What :func:`write_h5mu_copy` needs of the ``.h5mu`` file ``path`` to add jae's entries to a byte copy of it
    (read back as ``mudata.read_h5mu`` reads a copy written whole), when it can: ``cells`` (the global cell names
    in their stored order), ``obs`` / ``obsm`` (the global keys) and ``layers`` / ``obs_names`` / ``var_names`` of
    ``modality`` (the one an imputed layer goes to, when given; ``layout['modality']``: whether they were read, False
    for a modality the file lacks, e.g. one added to the copy, or that holds no cells). None, and the copy is written
    whole, unless the file is a MuData whose global ``obs`` holds every cell of its modalities once each."""
    from .files import open_again

    if not Path(path).is_file():  # a zarr store: copied whole
        return None
    f = open_again(path, "copied into the output")  # refused: the copy written whole would fail, less clearly
    try:
        with f:
            if "obs" not in f or "mod" not in f or int(f.attrs.get("axis", 0)) != 0:
                return None
            stored = _stored_index(f["obs"])
            mods = [_stored_index(f["mod"][m]["obs"]) for m in f["mod"]]
            layout = {"cells": stored, "obs": _column_order(f["obs"]),
                      "obsm": list(f["obsm"]) if "obsm" in f else []}
            if modality is not None:  # one absent: added to the copy, MuData rebuilds its global var and maps
                layout["modality"] = _modality_layout(f["mod"], modality, layout)
    except (OSError, KeyError, TypeError, ValueError):
        return None
    every = pd.Index([]).append(mods).unique()  # MuData drops a cell of obs in no modality, and adds one missing
    if not stored.is_unique or len(every) != len(stored) or not every.isin(stored).all():
        return None
    return layout


def _modality_layout(mods, modality: str, layout: dict) -> bool:
    """Add ``obs_names``, ``var_names`` and ``layers`` of the stored modality ``modality`` (of the group ``mods``) to
    ``layout``; whether it could (False: absent, unreadable, or holding no cells)."""
    try:
        group = mods[modality]
        layout.update(obs_names=_stored_index(group["obs"]), var_names=_stored_index(group["var"]),
                      layers=list(group["layers"]) if "layers" in group else [])
    except (OSError, KeyError, TypeError, ValueError):
        return False
    return bool(len(layout["obs_names"]))


def write_h5mu_copy(source: str | os.PathLike, path: str | os.PathLike, cells: pd.Index, *, obsm: dict, uns: dict,
                    obs: dict, layer: tuple | None = None, protect: Iterable[str | os.PathLike] = (),
                    overwrite: bool = False) -> Path:
    """Write a copy of the ``.h5mu`` (or ``.h5ad``) file ``source`` to ``path`` (atomically) with ``obsm`` and ``obs``
    columns (rows in the order of the file's ``cells``), ``uns`` entries and ``layer`` = ``(key, modality, layers
    entries, uns entries)`` of one modality added or replaced; the rest of the file is copied byte for byte (its counts
    are never read; each object as stored). The entries are stored as ``MuData.write`` (``AnnData.write_h5ad``) of the
    file read whole stores them."""
    import h5py
    from .elems import write_elem

    path = user_path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a .h5mu file; choose another output path")
    frame = pd.DataFrame(obs, index=cells) if obs else None
    if frame is not None:  # as MuData.write stores obs: text columns of repeated values as categories
        ad.AnnData().strings_to_categoricals(frame)
    replaced = [f"obsm/{k}" for k in obsm] + [f"uns/{k}" for k in uns] + [
        f"obs/{k}" for k in (frame.columns if frame is not None else ())] + (
        [] if layer is None else [f"mod/{layer[0]}/layers/{k}" for k in layer[1]] + [
            f"mod/{layer[0]}/uns/{k}" for k in layer[2]])
    with atomic_path(path, protect=protect, overwrite=overwrite) as tmp:
        _copy_without(source, tmp, replaced)  # (a copy deleting them kept their space: each re-embedding grew it)
        with h5py.File(tmp, "r+") as f:
            _put(f, "obsm", obsm)
            _put(f, "uns", uns)
            if frame is not None:
                group = f["obs"]
                order = _column_order(group)
                for key in frame.columns:  # left out of the copy when the file had it
                    write_elem(group, key, frame[key]._values)
                group.attrs["column-order"] = order + [k for k in frame.columns if k not in order]
            if layer is not None:
                modality, layers, info = layer
                _put(f["mod"][modality], "layers", layers)
                _put(f["mod"][modality], "uns", info)
    logger.debug("wrote %s", path)
    return path


def _copy_without(source: str | os.PathLike, path: str | os.PathLike, skip) -> None:
    """Copy the HDF5 file ``source`` to ``path`` (its userblock, MuData's header; attributes; every object as stored)
    leaving out the objects at the paths ``skip``, which the caller writes anew: HDF5 does not reclaim the space of
    an object deleted, so a copy that deleted them would grow by them each time the file is written again."""
    import h5py

    skip = {str(p).strip("/") for p in skip}

    def copy(src, dst, prefix: str) -> None:
        dst.attrs.update(src.attrs)
        for key in src:
            name = f"{prefix}{key}"
            if name in skip:
                continue
            if isinstance(src[key], h5py.Group) and any(p.startswith(name + "/") for p in skip):
                copy(src[key], dst.create_group(key), name + "/")
            else:
                src.copy(src[key], dst, name=key)

    from .files import open_again

    with open_again(source, "copied into the output") as f:
        block = f.userblock_size
        with h5py.File(path, "w", **({"userblock_size": block} if block else {})) as g:
            copy(f, g, "")
    if block:
        with open(source, "rb") as f, open(path, "r+b") as g:
            g.write(f.read(block))


def _put(group, name: str, entries: dict) -> None:
    """Add ``entries`` to the mapping ``group[name]`` (made when missing); an entry the source held was left out of
    the copy (:func:`_copy_without`)."""
    from .elems import write_elem

    if name not in group:
        write_elem(group, name, {})
    for key, value in entries.items():
        write_elem(group[name], key, value)


def _column_order(group) -> list[str]:
    """The column names of the dataframe ``group``, in their order."""
    return [c.decode() if isinstance(c, bytes) else str(c) for c in group.attrs.get("column-order", [])]


def imputed_layer(layout: dict, imputed, modality: str, key: str = "jae_imputed") -> tuple:
    """``(modality, layers entries, uns entries)`` for :func:`write_h5mu_copy`: the prediction ``imputed`` as
    :func:`jae.imputation.add_imputed_layer` writes it into the modality of :func:`h5mu_copy_layout`'s ``layout``
    (its cells and features, by name; the same refusals), its counts unread."""
    from types import SimpleNamespace

    from ..imputation.run import add_imputed_layer

    rows = ad.AnnData(obs=pd.DataFrame(index=layout["obs_names"]), var=pd.DataFrame(index=layout["var_names"]))
    add_imputed_layer(SimpleNamespace(mod={modality: rows}), imputed, modality, key=key)
    return modality, {key: rows.layers[key]}, {key: rows.uns[key]}


def embedded_rows(embedding: np.ndarray, columns: dict | None, cells: pd.Index, stored: pd.Index) -> tuple:
    """``(embedding, columns)`` of the cells ``cells`` in the rows of a file's cells ``stored``; a cell of the file
    that was not embedded (held by a modality jae does not read, e.g. 'hto') gets a NaN row and empty labels (it got
    another cell's, the last one's), with one log line."""
    order = cells.get_indexer(stored)
    missing = order < 0
    if not missing.any():
        return embedding[order], {k: v[order] for k, v in (columns or {}).items()}
    logger.warning("%d of the %d cells of the file (e.g. %s) are in none of the modalities embedded: their "
                   "obsm['X_jae'] rows are NaN and their label columns empty; scanpy's neighbors refuses NaN rows, "
                   "so leave them out once read, e.g. mdata = mdata[~numpy.isnan(mdata.obsm['X_jae']).any(axis=1)]"
                   ".copy()", int(missing.sum()), len(stored), [str(c) for c in stored[missing][:3]])
    rows = embedding[np.where(missing, 0, order)].astype(np.result_type(embedding.dtype, np.float32))
    rows[missing] = np.nan
    taken = {}
    for key, values in (columns or {}).items():
        series = pd.Series(values)
        series = flags_with_gaps(series) if series.dtype == bool else series
        taken[key] = series.reindex(order).array
    return rows, taken


#: what a bare copy of an .h5mu file (:func:`read_h5mu_bare`) leaves out of each modality: its matrices
_MATRICES = ("X", "layers", "raw", "obsp", "varp")


def read_h5mu_bare(path: str | os.PathLike):
    """The MuData of the ``.h5mu`` file ``path`` (as :func:`jae.io.readers.read_h5mu_as_stored` reads it) without the
    modalities' matrices (``X``, ``layers``, ``raw``, ``obsp``, ``varp``: its counts): every global entry, and each
    modality's ``obs``, ``var``, ``obsm``, ``varm`` and ``uns``; for :func:`graft_h5mu`."""
    import h5py

    from .files import open_again
    from .readers import read_h5mu_as_stored
    from .samples_files import scratch_folder

    with scratch_folder() as folder:
        bare = folder / "bare.h5mu"
        with open_again(path, "copied into the output") as f, h5py.File(bare, "w", userblock_size=512) as g:
            g.attrs.update(f.attrs)
            for key in f:
                if key != "mod":
                    f.copy(f[key], g, name=key)
            g.create_group("mod").attrs.update(f["mod"].attrs)
            for name, mod in f["mod"].items():
                g["mod"].create_group(name).attrs.update(mod.attrs)
                for key in mod:
                    if key not in _MATRICES:
                        f.copy(mod[key], g["mod"][name], name=key)
        with open(path, "rb") as f, open(bare, "r+b") as g:
            g.write(f.read(512))  # MuData's header (its userblock)
        return read_h5mu_as_stored(bare)


def stored_layers(path: str | os.PathLike, modality: str) -> list[str]:
    """The names of ``layers`` the modality ``modality`` of the ``.h5mu`` file ``path`` holds (none when it has none,
    or no such modality), read without reading a matrix (:func:`read_h5mu_bare` leaves them out)."""
    from .files import open_again

    with open_again(path, "copied into the output") as f:
        group = f.get(f"mod/{modality}/layers")
        return list(group) if group is not None else []


def graft_h5mu(mdata, source: str | os.PathLike, path: str | os.PathLike, modality: str, *,
               protect: Iterable[str | os.PathLike] = (), overwrite: bool = False) -> Path:
    """Write a copy of the ``.h5mu`` file ``source`` to ``path`` (atomically) whose global entries and modality
    ``modality`` are those of ``mdata`` (:func:`read_h5mu_bare` of it, changed: a modality added), as ``MuData.write``
    of ``mdata`` writes them; the other modalities are copied byte for byte (their counts are never read)."""
    import h5py

    from .readers import _quiet_mudata
    from .chunked import matrix_bytes
    from .samples_files import check_disk, scratch_folder, temporary_folder

    path = user_path(path)
    folder = temporary_folder()  # (TMPDIR passed over: said) the modality written there first: room for it checked
    held = {id(m): m for m in (mdata.mod[modality].X, *mdata.mod[modality].layers.values()) if m is not None}
    check_disk(sum(matrix_bytes(m) for m in held.values()) + 2**20, folder,
               doing=f"writing modality {modality!r} of {path.name}", fix="write the prediction to its own file "
               "(impute_out=FILE.h5ad)")
    with atomic_path(path, protect=protect, overwrite=overwrite) as tmp, scratch_folder() as scratch:
        written = scratch / "bare.h5mu"
        with _quiet_mudata():
            mdata.write(written)
        with h5py.File(written, "r") as w:  # the entries replaced left out of the copy, not deleted from it
            _copy_without(source, tmp, [k for k in w if k != "mod"] + [f"mod/{modality}"])
        with h5py.File(written, "r") as w, h5py.File(tmp, "r+") as f:
            for key in w:
                if key != "mod":
                    w.copy(w[key], f, name=key)
            w.copy(w["mod"][modality], f["mod"], name=modality)
            f["mod"].attrs.update(w["mod"].attrs)
            f.attrs.update(w.attrs)
    logger.debug("wrote %s", path)
    return path
