"""One ``.h5ad`` file holding both modalities (``jae fit/embed/map --h5ad``): :func:`read_paired_h5ad` reads it and
splits it (:func:`jae.io.split_anndata`: ``var['feature_types']`` as Cell Ranger writes them, or proteins in
``obsm['protein_expression']`` as scvi-tools keeps them), choosing the second modality when it holds Peaks and
Antibody Capture both."""

from __future__ import annotations

import logging
import os

import mudata as md

from .files import _check_file
from .raw import counts_or_x, resolve_raw
from .readers import _counts_layer, read_h5ad

__all__ = ["read_paired_h5ad"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike


def read_paired_h5ad(path: PathLike, *, layer: str | None = "counts", mod2_kind: str | None = None) -> md.MuData:
    """Read one ``.h5ad`` holding both modalities (:func:`jae.io.split_anndata`).

    Parameters
    ----------
    path
        The ``.h5ad``: ``var['feature_types']`` marking Gene Expression and Peaks or Antibody Capture (as
        ``scanpy.read_10x_h5(..., gex_only=False)`` reads a Cell Ranger file), or RNA with protein counts in
        ``obsm['protein_expression']`` (scvi-tools' CITE-seq layout).
    layer
        Layer holding raw counts; None: ``.X``; ``'raw'``: the file's ``.raw``, matrix and features, as
        :mod:`jae.io.raw` explains.
    mod2_kind
        ``'ATAC'`` or ``'ADT'``: the modality paired with RNA when the file holds Peaks and Antibody Capture both
        (which is refused without it, naming the feature types found).

    Returns
    -------
    MuData with modalities ``'rna'`` and ``'atac'`` / ``'prot'``, raw counts in ``.layers['counts']``, the file's
    ``obs`` columns in ``mdata.obs``, its other ``obsm`` entries and ``uns``.

    Raises
    ------
    ValueError
        For a file holding one modality, naming the two layouts.
    """
    from .single import PROTEIN_KEY, split_anndata, to_mudata

    path = _check_file(path, what=".h5ad", store=True)  # an AnnData zarr store: read whole by read_h5ad
    source = resolve_raw(read_h5ad(path, what=".h5ad"), layer, where=path.name)  # layer='raw': its .raw (jae.io.raw)
    layer = counts_or_x(source, layer, where=path.name)
    mods = split_anndata(source, layer=layer)
    if mods is None:
        raise ValueError(
            f"{path.name} holds one modality ({source.n_vars} features, no var['feature_types'] with two kinds, no "
            f"obsm[{PROTEIN_KEY!r}]); give the second modality: mod1= and mod2= (two .h5ad files), or h5mu=; to "
            "embed or map cells with RNA alone pass the file as mod1= alone"
        )
    if len(mods) > 2 or mod2_kind is not None:
        from .modality import describe_types

        typed = "feature_types" in source.var.columns and source.var["feature_types"].nunique() > 1
        found = describe_types(source.var["feature_types"]) if typed else f"RNA, and proteins in obsm[{PROTEIN_KEY!r}]"
        mods = _second_modality(mods, mod2_kind, what=f".h5ad file {path.name}", found=found)
    mdata = to_mudata(source, layer=layer, mods=mods)
    for name, mod in mdata.mod.items():
        _counts_layer(mod, where=f"{path.name} ({name})", layer=layer)
    return mdata


def _second_modality(mods: dict, mod2_kind: str | None, *, what: str, found: str | None) -> dict:
    """RNA and the modality ``mod2_kind`` of a file split by its feature types (``what``: the file, for messages;
    ``found``: its feature types, :func:`jae.io.modality.describe_types`); refused, naming the feature types found and
    the argument to choose, when it holds Peaks and Antibody Capture both and ``mod2_kind`` is None."""
    from .modality import MOD_NAMES, normalize_kind

    if mod2_kind is None:
        raise ValueError(f"{what} holds the feature types {found}; jae pairs RNA with one other "
                         "modality: choose it with mod2_kind='ATAC' or mod2_kind='ADT'")
    keep = MOD_NAMES[normalize_kind(mod2_kind)]
    if keep not in mods:
        raise ValueError(f"{what} holds no {normalize_kind(mod2_kind)} features "
                         f"({found or 'proteins in obsm'}); pass the right mod2_kind='ATAC' or 'ADT', or none")
    logger.info("%s: pairing RNA with its %s features as the second modality (the kind asked for); leaving out its %s",
                what, normalize_kind(mod2_kind), [m for m in mods if m not in ("rna", keep)])
    return {"rna": mods["rna"], keep: mods[keep]}
