"""Where ``key_added=`` puts per-cell results in the user's data (scanpy's convention).

An AnnData or a MuData gets them in its own ``obsm`` / ``obs`` (rows in its ``obs_names`` order); a dict of AnnData
(``{name: AnnData}``, as :meth:`jae.JAE.fit` takes) has no frame of its own, so each AnnData gets the rows of its
own cells. Data on disk (a path, or files opened with ``jae.io.open_*``) is never written to.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .io.write import flags_with_gaps

__all__ = ["cell_names", "checked_key", "in_data_order", "store_obsm", "store_obs"]

logger = logging.getLogger(__name__)


def _targets(data, cells: pd.Index) -> list[tuple[object, np.ndarray | slice]]:
    """``(object, rows)`` pairs: each object to store into and the rows of ``cells``-ordered values it takes."""
    if isinstance(data, Mapping) and not hasattr(data, "obsm"):
        out = []
        for adata in data.values():
            names = getattr(adata, "obs_names", None)
            if names is not None and hasattr(adata, "obsm"):
                rows = pd.Index(cells).get_indexer(pd.Index(names))
                if (rows >= 0).all():
                    out.append((adata, rows))
        return out
    return [(data, slice(None))] if hasattr(data, "obsm") else []


def _own(target) -> None:
    """A view (``adata[cells]``, ``mdata[cells]``) made an object of its own before results are stored in it, as
    anndata makes it on the first write, with a log line instead of anndata's warning; the object it views is left
    as it was. (A backed AnnData holds the results in memory: its file is never written to.)"""
    if getattr(target, "is_view", False):
        logger.info("the data is a view (e.g. adata[cells]); it becomes a copy of its own to hold the results, "
                    "leaving the data it views unchanged")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*view.*actual")
            warnings.filterwarnings("ignore", message=".*will not pull obs/var", category=FutureWarning)  # MuData's
            target._init_as_actual(_in_memory(target) if getattr(target, "isbacked", False) else target.copy())


def _in_memory(view):
    """A view of data opened backed (whose ``copy()`` needs a file to write) as an object of its own in memory: an
    AnnData's ``to_memory()``; a MuData's modalities so, with its ``obs``, ``obsm`` and ``uns``."""
    if hasattr(view, "to_memory"):
        return view.to_memory()
    from .io.readers import make_mudata

    out = make_mudata({name: mod.to_memory() for name, mod in view.mod.items()})
    out.obs = view.obs.copy()
    for key in view.obsm:
        if key not in view.mod:  # MuData's own cell masks of its modalities, made by make_mudata
            out.obsm[key] = view.obsm[key]
    out.uns.update(view.uns)
    return out


def checked_key(key_added, *, example: str = "X_jae", data=None, obsm: bool = True) -> str | None:
    """A user's ``key_added=``: None (store nothing) or a non-empty string, refused in one line otherwise, before any
    work (a number or a list was stored as a key, or failed with pandas' 'unhashable type'); for an ``obsm`` key of
    a MuData ``data``, not one of its modality names (MuData keeps each modality's cell mask in ``obsm[name]`` and
    wrote the mask over the embedding, which read back as a (n_cells, 1) bool column). An ``obsm`` key (``obsm``
    True; False: the prefix of ``obs`` columns) holds no '/': anndata and mudata write it as nested groups, a file
    they then fail to read ("'dict' object has no attribute 'shape'")."""
    if obsm and isinstance(key_added, str) and "/" in key_added:
        raise ValueError(f"key_added={key_added!r} holds a '/', which anndata and mudata write as nested groups (the "
                         f"file then fails to read back): pass a key without '/' (e.g. "
                         f"key_added={key_added.replace('/', '_')!r})")
    mods = getattr(data, "mod", None)  # a MuData's modalities (a DataFrame's .mod is a method)
    if isinstance(key_added, str) and isinstance(mods, Mapping) and key_added in mods:
        raise ValueError(f"key_added={key_added!r} is the name of a modality of the MuData, whose cell mask MuData "
                         f"keeps in obsm[{key_added!r}] and writes over the embedding: pass another key_added "
                         f"(e.g. key_added={example!r})")
    if key_added is None or (isinstance(key_added, str) and key_added.strip()):
        return key_added
    raise (ValueError if isinstance(key_added, str) else TypeError)(
        f"key_added must be a non-empty string (e.g. key_added={example!r}) or None to store nothing, not {key_added!r}")


def cell_names(data) -> pd.Index | None:
    """The cells of ``data`` in the order its per-cell results come in: its ``obs_names``, or for a dict of AnnData
    the modalities' cells in the dict's order (the first's, then the others' new ones: :func:`jae.io.paired.cell_obs`);
    None for data given as a path."""
    from .io.paired import cell_obs

    names = getattr(data, "obs_names", None)
    if names is None and isinstance(data, Mapping):
        obs = cell_obs(data)
        names = None if obs is None else obs.index
    return None if names is None else pd.Index(names)


def in_data_order(data, values: np.ndarray, cells: pd.Index, *, pad: bool = False, key: str | None = None
                  ) -> tuple[np.ndarray, pd.Index]:
    """``values`` (one row per cell of ``cells``) and their cells in the order of the data's cells
    (:func:`cell_names`; as they are for data on disk). A dict of AnnData is ordered as predict_cell_type indexes its
    labels, so an embedding and the labels of one dict (e.g. ``{'prot': ..., 'rna': ...}``, or modalities in other
    cell orders) describe the same cells row by row. ``pad`` (an embedding): data holding more cells than ``cells``
    (a modality jae does not read, e.g. hashtags 'hto', holds cells of its own) gets NaN rows for those, with one
    log line, as the files jae writes do (:func:`jae.io.write.embedded_rows`); else anndata refused the rows. The line
    names how to leave those cells out (of ``obsm[key]``, the key the embedding is stored under; None: the array
    returned) before scanpy's ``neighbors``, which refuses NaN rows with scikit-learn's 'Input X contains NaN'."""
    target = cell_names(data)
    if pad and target is not None and len(target) > len(cells) and target.is_unique and cells.isin(target).all():
        missing = ~target.isin(cells)
        rows = ("E).any(axis=1)].copy(), E the embedding returned" if key is None
                else f"data.obsm[{key!r}]).any(axis=1)].copy()")
        logger.warning("%d of the %d cells of the data (e.g. %s) are in none of the modalities embedded: their rows "
                       "are NaN, which scanpy's neighbors refuses; leave them out first, e.g. data = "
                       "data[~numpy.isnan(%s", int(missing.sum()), len(target), [str(c) for c in target[missing][:3]],
                       rows)
        out = np.full((len(target), *values.shape[1:]), np.nan, dtype=np.result_type(values.dtype, np.float32))
        out[target.get_indexer(cells)] = values
        return out, target
    if target is None or len(target) != len(cells) or not target.isin(cells).all():
        return values, cells
    return (values if cells.equals(target) else values[cells.get_indexer(target)]), target


def store_obsm(data, values: np.ndarray, cells: pd.Index, key: str, *, record: dict | None = None) -> None:
    """Store ``values`` (one row per cell of ``cells``, in that order; for an AnnData or MuData, its ``obs_names``)
    in ``obsm[key]`` and, when given, its provenance ``record`` in ``uns`` (:func:`jae.provenance.uns_key`); an
    existing ``obsm[key]`` is replaced with a log line (a warning when no jae record in ``uns`` says jae made it)."""
    from .provenance import uns_key

    for target, rows in _targets(data, cells):
        _own(target)
        if key in target.obsm:  # said: e.g. key_added='X_pca' or 'X_umap' replaced scanpy's without a word
            held = target.uns.get(uns_key(key)) if hasattr(target, "uns") else None  # 'X_jae' and 'jae' share one
            ours = hasattr(held, "items") and str(held.get("obsm_key", key)) == key
            (logger.info if ours else logger.warning)(
                "obsm[%r] %s; it is replaced by this embedding (pass another key_added to keep it)", key,
                "held an earlier jae embedding" if ours else "held an array not made by jae")
        target.obsm[key] = values if isinstance(rows, slice) else values[rows]
        if record is not None and hasattr(target, "uns"):
            held = target.uns.get(uns_key(key))  # 'X_jae' and 'jae' both keep their record in uns['jae']
            other = str(held.get("obsm_key", key)) if hasattr(held, "items") else key
            if other != key and other in target.obsm:  # else its embedding went unchecked by predict_cell_type
                logger.warning("uns[%r] held the record of obsm[%r], whose key shares it; it now holds this "
                               "embedding's, leaving obsm[%r] without one, so predict_cell_type(embedding=%r) can no "
                               "longer check what made it: pass another key_added (e.g. %r) to keep both",
                               uns_key(key), other, other, other, f"{key}_2")
            target.uns[uns_key(key)] = record


def store_obs(data, frame: pd.DataFrame, prefix: str) -> None:
    """Store each column of ``frame`` (indexed by the cells, in the data's order) as ``obs[f'{prefix}_{column}']``;
    columns of those names already in ``obs`` are named in a log line, as :func:`store_obsm` says of ``obsm``, and
    replaced: a warning unless every one of them was there (an earlier call's, e.g. predict_cell_type run again).
    Data on disk (or None) is not written to, with a warning, as ``key_added`` asked for it."""
    targets = list(_targets(data, pd.Index(frame.index)))
    if not targets:  # asked for (key_added is no default), so said
        logger.warning("key_added=%r stored nothing: %s; keep the returned DataFrame, or pass %s", prefix,
                       *(("data is None", "the AnnData or MuData of these cells") if data is None else (
                           "the data was given as files, which jae never writes to", "the data read into memory "
                           "(mudata.read_h5mu, anndata.read_h5ad)")))
    names = [f"{prefix}_{column}" for column in frame.columns]
    replaced = sorted({name for target, _ in targets for name in names if name in target.obs.columns})
    if replaced:
        many, again = len(replaced) > 1, all(name in target.obs.columns for target, _ in targets for name in names)
        (logger.info if again else logger.warning)(
            "the data's obs column%s %s %s replaced by the labels (key_added=%r); pass another key_added to keep %s",
            "s" if many else "", ", ".join(map(repr, replaced)), "are" if many else "is", prefix,
            "them" if many else "it")
    for target, rows in targets:
        _own(target)
        fill = isinstance(rows, slice) and not pd.Index(frame.index).equals(pd.Index(target.obs_names))
        for column, values in frame.items():
            if fill:  # cells the labels do not cover (held by a modality not read, e.g. hashtags): empty, by name
                values = (flags_with_gaps(values) if values.dtype == bool else values).reindex(target.obs_names)
            target.obs[f"{prefix}_{column}"] = values.iloc[rows].values  # categories kept
