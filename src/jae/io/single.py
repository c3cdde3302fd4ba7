"""One AnnData holding both modalities: the layouts scanpy and scvi-tools users keep paired data in.

- **Feature types in one matrix**: ``scanpy.read_10x_h5(path, gex_only=False)`` (or ``read_10x_mtx``) keeps a Cell
  Ranger file's Gene Expression, Peaks and Antibody Capture features side by side, marked by ``var['feature_types']``.
- **Proteins in ``obsm``** (scvi-tools' CITE-seq layout, as totalVI reads it): RNA counts in ``.X`` or a layer, the
  protein counts in ``obsm['protein_expression']``, a DataFrame whose columns name the proteins (or an array, whose
  names then come from ``uns['protein_expression_names']``, or scvi-tools' ``uns['protein_names']``, when present).

:func:`split_anndata` turns either into ``{'rna': AnnData, 'atac' | 'prot': AnnData}``, which every part of jae takes
as it takes a MuData; :func:`modalities_of` is the one place where the inputs held in memory (MuData, a dict of
AnnData, or such an AnnData) are unpacked into modalities, and :func:`to_mudata` makes the MuData of such an AnnData
for the steps that need one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._words import count, with_article
from .features import examples, protein_name_keys, protein_name_words
from .modality import MOD_NAMES, feature_kinds
from .raw import RAW, counts_location, resolve_raw
from .validate import validate_counts

__all__ = ["split_anndata", "modalities_of", "to_mudata", "alone_name", "PROTEIN_KEY", "check_dict_values"]

logger = logging.getLogger(__name__)

#: The ``obsm`` key of scvi-tools' CITE-seq layout (``protein_expression_obsm_key`` in its tutorials and datasets).
PROTEIN_KEY = "protein_expression"


def _columns(adata: ad.AnnData, cols: np.ndarray | None, *, layer: str | None, obs: pd.DataFrame) -> ad.AnnData:
    """The columns ``cols`` of ``adata`` (None: all, sharing its matrices rather than copying them) as a new AnnData
    holding ``.X`` and the counts ``layer`` only (``adata`` itself is not touched). The ``.X`` of a backed AnnData
    (``read_h5ad(path, backed='r')``), a matrix on disk, is read into memory, as the files are."""
    def take(M):
        if M is None:
            return M
        if not (isinstance(M, np.ndarray) or sp.issparse(M)):  # on disk: an h5py dataset or anndata's sparse one
            M = M.to_memory() if hasattr(M, "to_memory") else M[()]
        return M if cols is None else M[:, cols]

    layers = {layer: take(adata.layers[layer])} if layer is not None and layer in adata.layers else {}
    var = adata.var.copy() if cols is None else adata.var.iloc[cols].copy()
    out = ad.AnnData(X=take(adata.X), obs=obs, var=var, layers=layers)
    out.jae_layers_dropped = [str(k) for k in adata.layers if k not in layers]  # named by a counts refusal (raw.py)
    return out


def split_anndata(adata: ad.AnnData, *, layer: str | None = "counts",
                  protein_key: str = PROTEIN_KEY) -> dict[str, ad.AnnData] | None:
    """The two modalities held in one AnnData, or None when it holds one.

    Parameters
    ----------
    adata
        Cells x features. Not modified; the modalities are new AnnData objects holding its column slices.
    layer
        The layer holding raw counts (None: ``.X``); only it and ``.X`` are carried into the modalities.
    protein_key
        The ``obsm`` key holding protein counts (scvi-tools' default ``'protein_expression'``).

    Returns
    -------
    ``{'rna': AnnData, 'atac' | 'prot': AnnData}`` (RNA first; all three when Peaks and Antibody Capture are both
    there, for the caller's ``modalities`` to choose), with the cells of ``adata``; the RNA modality keeps a copy of
    ``adata.obs`` (batches, cell types), the other an empty ``obs``. Protein counts from ``obsm`` sit in the second
    modality's ``.X`` and, when ``layer`` is set, in that layer too. None when ``adata`` holds one modality.

    Raises
    ------
    ValueError
        For feature types jae does not know, several feature types without RNA among them, or an
        ``obsm`` protein matrix of the wrong shape; each message names the fix.
    KeyError
        For a ``layer`` the AnnData does not have (when it holds two modalities).
    """
    adata = resolve_raw(adata, layer, where="the AnnData")  # layer='raw': its .raw (jae.io.raw)
    _check_feature_types_complete(adata.var)
    typed = "feature_types" in adata.var.columns and adata.var["feature_types"].nunique() > 1
    two = typed or protein_key in adata.obsm
    if two:  # a missing counts layer is named here, before any splitting (jae.io.raw's rule)
        counts_location(layer, adata.layers, has_raw=adata.raw is not None, where="the AnnData")
        if adata.obs_names.has_duplicates:  # the fix is on this one object (unique_cells speaks of two modalities)
            repeated = adata.obs_names.duplicated(keep=False)
            dup = adata.obs_names[repeated].unique()
            raise ValueError(
                f"the AnnData has {count(len(dup), 'repeated cell name')} ({int(repeated.sum())} rows, e.g. "
                f"{examples(dup)}); "
                "jae matches cells by name: make them unique first, e.g. adata.obs_names_make_unique()")
    cells = _cell_obs(adata)
    empty = pd.DataFrame(index=cells.index.copy())
    if "feature_types" in adata.var.columns:
        values = np.asarray(adata.var["feature_types"]).astype(str)
        # a CellPlex or CRISPR screen read by scanpy.read_10x_h5(..., gex_only=False): those features left out
        kinds, _ = feature_kinds(values, where="the AnnData")
        present = [k for k in ("GEX", "ATAC", "ADT") if (kinds == k).any()]
        if len(present) > 1:
            if "GEX" not in present:
                raise ValueError(
                    f"the AnnData holds the feature types {sorted(set(values))} and no Gene Expression; jae pairs RNA "
                    "with Peaks or Antibody Capture"
                )
            mods = {}
            for kind in present:
                cols = np.flatnonzero(kinds == kind)
                obs = cells.copy() if kind == "GEX" else empty
                mods[MOD_NAMES[kind]] = _columns(adata, cols, layer=layer, obs=obs)
            logger.info("one AnnData split by var['feature_types']: %s",
                        {name: m.n_vars for name, m in mods.items()})
            return mods
    if protein_key in adata.obsm:
        prot = adata.obsm[protein_key]
        if prot.shape[0] != adata.n_obs:
            raise ValueError(f"obsm[{protein_key!r}] has {prot.shape[0]} rows but the AnnData has {adata.n_obs} cells")
        if isinstance(prot, pd.DataFrame):
            names, values = pd.Index(prot.columns.astype(str)), prot.to_numpy()
        else:
            # jae's key, else scvi-tools' (synthetic_iid, setup_anndata(protein_names_uns_key='protein_names')):
            # named protein_0, ... by position, a query's proteins in another order were matched wrongly in silence
            key = next((k for k in protein_name_keys(protein_key) if adata.uns.get(k) is not None),
                       protein_name_keys(protein_key)[0])
            stored = adata.uns.get(key)
            if stored is not None and len(stored) != prot.shape[1]:  # were replaced by protein_0, ... in silence
                raise ValueError(
                    f"uns[{key!r}] holds {len(stored)} protein names but obsm[{protein_key!r}] has "
                    f"{prot.shape[1]} columns; store one name per column, e.g. obsm[{protein_key!r}] as a DataFrame "
                    "whose columns are the proteins")
            names = pd.Index(np.asarray(stored).astype(str)) if stored is not None \
                else pd.Index([f"protein_{i}" for i in range(prot.shape[1])])
            values = prot
        _check_proteins(values, protein_key)
        var = pd.DataFrame({"feature_types": "ADT"}, index=names)
        other = ad.AnnData(X=values, obs=empty, var=var, layers={layer: values} if layer is not None else {})
        rna = _columns(adata, None, layer=layer, obs=cells.copy())
        made_up = "" if isinstance(prot, pd.DataFrame) or stored is not None else (
            f" named protein_0 ... protein_{prot.shape[1] - 1} (an array without names: a query's proteins match "
            f"the model's by name, so keep the names as a DataFrame's columns or in {protein_name_words(protein_key)})")
        logger.info("one AnnData with proteins in obsm[%r]: %d genes, %d proteins%s", protein_key, rna.n_vars,
                    other.n_vars, made_up)
        return {"rna": rna, "prot": other}
    return None


def _cell_obs(adata: ad.AnnData) -> pd.DataFrame:
    """``adata.obs``, its cells named by strings as AnnData and MuData name them: integer ``obs_names``
    (``adata.obs_names = range(n)`` keeps them) as their strings, the names the modalities get."""
    if adata.obs_names.inferred_type in ("string", "empty"):
        return adata.obs
    return adata.obs.set_axis(pd.Index(adata.obs_names.astype(str)))


def unique_split(mods: dict[str, ad.AnnData] | None, adata: ad.AnnData) -> dict[str, ad.AnnData] | None:
    """``mods`` (:func:`split_anndata`'s of ``adata``, or None), refusing feature names repeated among one type's
    features in the one AnnData they come from, which a model cannot match by name: the fix is on that AnnData (Cell Ranger repeats
    some gene names; scanpy users call ``adata.var_names_make_unique()``), not on a modality the user never made. A
    name a gene and a protein share is allowed. Used where a model matches features (fitting, embedding)."""
    kinds = {"rna": "Gene Expression", "atac": "Peaks", "prot": "Antibody Capture"}
    for name, mod in (mods or {}).items():
        if mod.var_names.has_duplicates and not (name == "prot" and PROTEIN_KEY in adata.obsm):  # obsm's: its own fix
            dup = mod.var_names[mod.var_names.duplicated()].unique()
            shared = sorted(set(mod.var_names).intersection(*(m.var_names for n, m in mods.items() if n != name))) \
                if len(mods) > 1 else []
            caveat = (f" (it also renames features of another type named as {kinds[name]} ones, e.g. "
                      f"{examples(shared)}: rename the repeated ones alone then)") if shared else ""
            raise ValueError(f"the AnnData repeats {len(dup)} {kinds.get(name, name)} feature names (e.g. "
                             f"{examples(dup)}); jae matches features by name, so they must be unique: make them "
                             f"unique first, e.g. adata.var_names_make_unique(){caveat}")
    return mods


def _check_feature_types_complete(var: pd.DataFrame) -> None:
    """Refuse a ``var['feature_types']`` that marks peaks or proteins but leaves other features without a type (RNA
    and proteins concatenated, the RNA's AnnData having no such column): read as one modality, or those features left
    out, the genes would be lost without a word."""
    if "feature_types" not in var.columns:
        return
    missing = var["feature_types"].isna().to_numpy()
    if not missing.any() or missing.all():
        return
    present = var["feature_types"][~missing]
    kinds, _ = feature_kinds(present, where="the AnnData")
    if set(kinds) <= {"GEX", None}:  # genes marked, the rest unmarked: no second modality it names
        return
    from .modality import describe_types

    raise ValueError(
        f"var['feature_types'] is missing for {int(missing.sum())} of {len(var)} features (e.g. "
        f"{examples(var.index[missing])}), while the others are {describe_types(present)}: give every feature its "
        "type, e.g. adata.var['feature_types'] = adata.var['feature_types'].astype(object).fillna('Gene Expression') "
        "when the unmarked features are the genes")


def _check_proteins(values, protein_key: str) -> None:
    """Refuse an ``obsm`` protein matrix that is no counts, in one line about that matrix. Rows all NaN are cells
    whose proteins were not measured (jae's mosaic layout: placed from RNA); rows all zero, scvi-tools' mark of a
    batch without proteins, are refused naming that fix, since zero counts would be read as measured."""
    from .mosaic import missing_rows

    unmeasured = missing_rows(values)
    if unmeasured.all() and values.shape[1]:  # no cell's proteins measured: every cell is placed from its RNA
        return
    measured = values[~unmeasured] if unmeasured.any() else values
    totals = np.asarray(measured.sum(axis=1)).ravel()
    where = f"obsm[{protein_key!r}]"
    validate_counts(measured[totals > 0] if (totals == 0).any() else measured, name=where, hint=(
        f"jae needs the raw antibody counts there, as scvi-tools keeps them: store those in {where} (e.g. from the "
        "Cell Ranger file), not normalised values"))
    n_zero = int(np.count_nonzero(totals == 0))
    if n_zero and n_zero < len(totals):  # none at all: the paired data's own check names the empty modality
        raise ValueError(
            f"{n_zero} of {values.shape[0]} cells have no protein counts (all zero) in {where}, as scvi-tools marks "
            "cells whose batch measured no proteins; jae would read the zeros as measured: mark those cells' proteins "
            f"as not measured with NaN (jae then places them from RNA), e.g. p = adata.obsm[{protein_key!r}]; "
            f"adata.obsm[{protein_key!r}] = p.where(p.sum(axis=1) > 0) (a DataFrame), or remove them if they are "
            "empty droplets")


def alone_name(adata: ad.AnnData) -> str:
    """The modality name (``'rna'``, ``'atac'``, ``'prot'``) of an AnnData that holds one modality alone (what
    :func:`split_anndata` returns None for): the kind its ``var['feature_types']`` names, RNA without them."""
    from .modality import detect_kind

    return MOD_NAMES[detect_kind(adata) if "feature_types" in adata.var.columns and adata.n_vars else "GEX"]


def modalities_of(data, *, layer: str | None = "counts") -> tuple[dict, pd.DataFrame | None]:
    """``({name: AnnData}, global obs or None)`` of paired data held in memory: a MuData, a dict of AnnData, or one
    AnnData holding both modalities (:func:`split_anndata`).

    Raises
    ------
    TypeError
        For anything else.
    ValueError
        For an AnnData holding one modality, naming the layouts jae reads.
    """
    if isinstance(data, Mapping):
        check_dict_values(data)
        return {n: resolve_raw(_loaded(a, layer, n), layer, where=f"modality {n!r}") for n, a in data.items()}, None
    if isinstance(getattr(data, "mod", None), Mapping):  # a MuData (a DataFrame's .mod is a method)
        _check_updated(data)
        return {n: resolve_raw(_loaded(a, layer, n), layer, where=f"modality {n!r}") for n, a in data.mod.items()
                }, data.obs
    if isinstance(data, ad.AnnData):
        mods = split_anndata(data, layer=layer)
        if mods is None:
            raise ValueError(
                f"the AnnData holds one modality ({data.n_vars} features); jae needs RNA and a second modality: pass a "
                f"MuData, or one AnnData whose var['feature_types'] marks Gene Expression and Peaks or Antibody "
                f"Capture (scanpy.read_10x_h5(..., gex_only=False)), or with protein counts in obsm[{PROTEIN_KEY!r}]"
            )
        return mods, None
    raise TypeError(f"expected a MuData, a dict of two AnnData objects or an AnnData, got {type(data).__name__}")


def check_dict_values(data: Mapping) -> None:
    """Refuse, in one line, a dict of modalities holding anything but AnnData objects (a count matrix alone names
    neither its cells nor its features, which jae pairs and matches by name): 'csr_matrix' object has no attribute
    'var' (or 'obs_names', 'n_vars') came from deep inside."""
    for name, value in data.items():
        if not (hasattr(value, "obs_names") and hasattr(value, "var_names")):
            raise TypeError(
                f"data[{name!r}] is {'None' if value is None else with_article(type(value).__name__)}, not an AnnData: "
                f"a dict of modalities holds one AnnData per modality, whose obs_names name the cells and var_names the "
                f"features (jae pairs and matches them by name), e.g. {{{name!r}: anndata.AnnData(X=counts, "
                "obs=pandas.DataFrame(index=cell_names), var=pandas.DataFrame(index=feature_names))}, or a MuData")


def _loaded(adata, layer: str | None, name: str):
    """A modality opened backed (``anndata.read_h5ad(path, backed='r')``) whose counts are its ``.X`` or ``.raw``,
    which stay on disk, as a new AnnData in memory (``adata.to_memory()``, with a log line), as one AnnData opened so
    is read (:func:`_columns`); any other AnnData as it is (a backed one's layers are in memory already)."""
    if not getattr(adata, "isbacked", False):
        return adata
    if layer is not None and layer in adata.layers:
        return adata
    if layer != RAW:
        try:  # a missing layer: refused by the caller (jae.io.raw's rule) before anything is read
            counts_location(layer, adata.layers, has_raw=adata.raw is not None, where=f"modality {name!r}")
        except KeyError:
            return adata
    from .raw import _said_before

    if not _said_before(adata):  # said once, not by every step reading it
        logger.info("modality %r is an AnnData opened backed: its counts (%s) are read into memory whole", name,
                    ".raw" if layer == RAW and adata.raw is not None else ".X")
    return adata.to_memory()


def _check_updated(mdata) -> None:
    """Refuse a MuData whose ``obs`` does not hold the cells of its modalities (a modality replaced or subset without
    ``mdata.update()``): the results, one row per cell of the modalities, could not be stored in its ``obsm`` / ``obs``
    (anndata's error after all the work) and cells would be left out or made up."""
    cells = pd.Index(mdata.obs_names)
    if all(a.n_obs == len(cells) and a.obs_names.equals(cells) for a in mdata.mod.values()):
        return  # the usual MuData: every modality holds the cells of obs, in its order
    held = pd.Index([]).append([pd.Index(a.obs_names) for a in mdata.mod.values()]) if len(mdata.mod) else cells
    extra, missing = held.difference(cells, sort=False), cells.difference(held, sort=False)
    if len(extra) or len(missing):
        said = [f"{len(extra)} cells of its modalities are not in mdata.obs (e.g. {examples(extra)})" if len(extra)
                else "", f"{len(missing)} cells of mdata.obs are in no modality (e.g. {examples(missing)})"
                if len(missing) else ""]
        raise ValueError(f"the MuData's obs ({len(cells)} cells) is out of date with its modalities: "
                         f"{', '.join(x for x in said if x)}; call mdata.update() after changing a modality")


def to_mudata(adata: ad.AnnData, *, layer: str | None = "counts", mods: dict[str, ad.AnnData] | None = None):
    """The MuData of one AnnData holding both modalities: its modalities (``mods``, by default
    :func:`split_anndata`'s), its ``obs`` columns in ``mdata.obs``, its other ``obsm`` entries (an embedding to
    score, ``X_jae``) and ``uns``. ``adata`` is not modified. ``layer``: raw counts, as for :func:`split_anndata`.

    Raises
    ------
    ValueError
        For an AnnData holding one modality (:func:`modalities_of`'s message).
    """
    from .readers import _add_obs_columns, make_mudata

    if mods is None:
        mods, _ = modalities_of(adata, layer=layer)
    for mod in mods.values():
        mod.obs = pd.DataFrame(index=mod.obs_names)
    mdata = make_mudata(mods)
    _add_obs_columns(mdata, _cell_obs(adata), what="the AnnData")  # integer obs_names: as the modalities name them
    for key in adata.obsm:
        if key != PROTEIN_KEY:
            mdata.obsm[key] = adata.obsm[key]
    mdata.uns.update(adata.uns)
    return mdata
