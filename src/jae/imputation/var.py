"""The ``var`` of :func:`jae.impute`'s prediction: the model's feature names of the predicted modality, with the
columns of the data's own ``var`` of that modality (``gene_ids`` / ``feature_types``, a panel's ``is_control``) when
the data holds it for some cells (mosaic data). A saved model keeps only its feature names (``model.json``), so data
without the modality gives the names alone."""

from __future__ import annotations

import logging

import pandas as pd

logger = logging.getLogger(__name__)


def imputed_var(model, data, index: int, *, layer: str | None) -> pd.DataFrame:
    """``var`` for the prediction of the model's modality ``index``: indexed by the model's feature names, with the
    columns of ``data``'s ``var`` of that modality matched by feature name (missing where the data lacks a feature)."""
    names = pd.Index(model.preprocessor.var_names[index], name=None)
    own = _data_var(model, data, index, layer=layer)
    if own is None or not len(own.columns) or not own.index.is_unique:
        return pd.DataFrame(index=names)
    own = own.copy()
    own.index = own.index.astype(str)
    missing = ~names.isin(own.index)
    if missing.all():  # (e.g. peaks named with other separators): nothing to take
        return pd.DataFrame(index=names)
    if missing.any():  # a bool column with gaps would be object, which .h5ad cannot store: nullable instead
        for col in own.columns:
            if pd.api.types.is_bool_dtype(own[col].dtype):
                own[col] = own[col].astype("boolean")
        logger.info("%d of the %d imputed features are not in the data's var: their var columns are missing",
                    int(missing.sum()), len(names))
    var = own.reindex(names)
    var.index = names
    return var


def _data_var(model, data, index: int, *, layer: str | None) -> pd.DataFrame | None:
    """The data's ``var`` of the model's modality ``index`` (in memory, or read from its file), or None when the data
    lacks that modality or it cannot be told which of the data's modalities it is."""
    from ..io.paired_files import FilesOnDisk
    from ..io.plan import opened

    data = opened(data, layer=layer)
    if isinstance(data, FilesOnDisk):
        if index >= len(data.counts):  # RNA alone on disk
            return None
        return _file_var(data.counts[index])
    from ..query.features import _modalities, _pick

    try:
        mods = _modalities(data, layer=None)
        name = _pick(model, mods)[index]
    except (ValueError, KeyError, TypeError):
        return None
    return None if name is None else mods[name].var


def _file_var(counts) -> pd.DataFrame | None:
    """The ``var`` of the file behind the row-block source ``counts`` (its ``.raw``'s when the counts are there); the
    mapped features' own for counts whose features are mapped as read (:class:`jae.io.chunked.MappedCounts`)."""
    if getattr(counts, "var", None) is not None:
        return counts.var.copy()
    import h5py
    from ..io.elems import read_elem

    from ..io.raw import RAW_GROUP

    from ..io.files import open_again

    where = counts.path.name + ("" if counts.modality is None else f" modality {counts.modality!r}")
    try:
        with open_again(counts.path, f"{where}: its features") as f:
            group = f if counts.modality is None else f["mod"][counts.modality]
            elem = group["raw"]["var"] if counts.layer == RAW_GROUP else group["var"]
            return read_elem(elem) if isinstance(elem, h5py.Group) else None  # (anndata < 0.7 layout: names only)
    except KeyError:  # no var group where it was looked for; a lock or a file gone since: open_again's one line
        return None
