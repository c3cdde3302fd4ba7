"""Counts kept in an AnnData's ``.raw``: ``layer='raw'``.

scanpy keeps the unprocessed matrix in ``adata.raw`` (``adata.raw = adata.copy()`` before normalising: without the
copy, float counts are normalised in place in both), and CELLxGENE's schema puts a dataset's raw counts in ``raw.X``
whenever ``.X`` holds normalised values. With ``layer='raw'`` jae reads each modality's counts from there: a layer
actually named ``'raw'`` wins; otherwise the modality's ``.raw`` (its matrix *and* its features: all the genes
stored there, also when ``.X`` was cut to highly variable genes); a modality without either (proteins or peaks kept
as counts in ``.X`` beside RNA whose counts sit in ``.raw``) is read from ``.X``. Whatever is read is still checked
to be counts (:func:`jae.io.validate_counts`). The user's AnnData is never modified: :func:`resolve_raw` builds a
new one sharing its matrices.

Data on disk follows the same rule (``jae.io.paired_files._counts_location``): the ``raw`` group of an ``.h5ad`` or
of an ``.h5mu`` modality, streamed like any layer (:class:`jae.io.chunked.BackedCounts` with the location
:data:`RAW_GROUP`).
"""

from __future__ import annotations

import logging
import warnings
import weakref
from contextlib import contextmanager
from contextvars import ContextVar

import anndata as ad

__all__ = ["RAW", "RAW_GROUP", "counts_location", "counts_or_x", "counts_read", "counts_hint_for", "note_counts_from_x",
           "note_raw", "raw_applies", "raw_count_names", "refuse_raw_file_repeats", "refuse_raw_repeats", "resolve_raw",
           "counts_noted", "x_read_hint", "names_read", "counts_names"]

logger = logging.getLogger(__name__)

#: The ``layer`` value that reads ``.raw``.
RAW = "raw"
#: Where the counts of data on disk are when they come from the ``raw`` group (not a layer's name: a layer may be
#: called ``'raw'``).
RAW_GROUP = ".raw"
#: The feature names a fitted model reads of the query read now (:func:`names_read`); None: every name (data to fit).
_READ: ContextVar = ContextVar("jae_raw_names_read", default=None)


@contextmanager
def names_read(names):
    """Within it, a query's ``.raw`` is refused for repeating only names among ``names`` (the features a fitted model
    reads, as :func:`jae.io.features.columns_read` refuses them in other layers); names it repeats among the others
    are extra features, ignored as the query's other extra ones. None: every repeat refused (a training source)."""
    import pandas as pd

    token = _READ.set(None if names is None else pd.Index(names).astype(str))
    try:
        yield
    finally:
        _READ.reset(token)


def raw_applies(layers, layer: str | None) -> bool:
    """Whether ``layer`` is the ``'raw'`` of this module rather than a layer's name: ``layer='raw'`` and ``layers``
    (an AnnData's, or the ``layers`` group of one stored in a file) hold no layer so named (then its counts are
    ``.raw``'s, or ``.X``'s for want of a ``.raw``)."""
    return layer == RAW and RAW not in layers


def _counts_source(adata: ad.AnnData, layer: str | None):
    """What ``adata``'s counts at ``layer`` are read from, matrix and features: its ``.raw`` where ``layer='raw'``
    applies (:func:`raw_applies`) and there is one, else ``adata`` itself."""
    return adata.raw if raw_applies(adata.layers, layer) and adata.raw is not None else adata


def counts_names(adata: ad.AnnData, layer: str | None):
    """The feature names of ``adata``'s counts at ``layer`` (:func:`resolve_raw`'s: ``.raw``'s for ``'raw'``)."""
    return _counts_source(adata, layer).var_names


def resolve_raw(adata: ad.AnnData, layer: str | None, *, where: str, unique: bool = False) -> ad.AnnData:
    """``adata`` as jae reads it for ``layer``: unchanged unless ``layer == 'raw'`` and ``adata`` has no layer of that
    name; then a new AnnData over ``adata``'s cells (its ``obs``, ``obsm`` and ``uns``) whose ``.X`` and
    ``layers['raw']`` are ``adata.raw.X`` and whose features are ``adata.raw.var`` (shared, not copied), or
    ``adata.X`` and ``adata.var`` when it has no ``.raw``. ``unique`` (the user's object in memory, whose features
    are matched by name: jae.predict's sources, combine_samples' samples): feature names ``.raw`` repeats among one
    kind are refused with the fix on ``.raw`` (:func:`_refuse_repeated`; :func:`refuse_raw_repeats` for fit and a
    query); a reader's result is left to the later checks, whose fix works on it."""
    if not raw_applies(adata.layers, layer):
        return adata
    source = _counts_source(adata, layer)
    if unique and adata.raw is not None:  # .X's may be unique (var_names_make_unique after adata.raw = adata.copy())
        _refuse_repeated(source.var, where)
    if not _said_before(source.X):  # data in memory: said once, not by every step reading it
        note_raw(where, None if adata.raw is None else (source.n_vars, adata.n_vars))
    with warnings.catch_warnings():  # a protein named as its gene (CD4) in one .h5ad of both: allowed between modalities
        warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
        out = ad.AnnData(X=source.X, obs=adata.obs, var=source.var.copy(), obsm=dict(adata.obsm), uns=adata.uns,
                         layers={RAW: source.X})
    if adata.raw is None:  # .X read for want of a .raw: its layers, named by a counts refusal (counts_hint_for)
        out.jae_raw_from_x = [str(k) for k in adata.layers]
    return out


def refuse_raw_repeats(data, layer: str | None) -> None:
    """For ``layer='raw'``, refuse feature names that the ``.raw`` of ``data`` (an AnnData in memory, or each of a
    MuData's or dict's) repeats among one kind (:func:`_refuse_repeated`), where a model matches features by name:
    :meth:`jae.JAE.fit` and the reading of a query (:func:`jae.query.query_features`). Steps that match no names
    (the SVD baseline) read such data as before; data on disk is not looked at here."""
    if layer != RAW:
        return
    from collections.abc import Mapping

    if isinstance(data, ad.AnnData):
        items = [("the AnnData", data)]
    else:
        mods = getattr(data, "mod", None)
        mods = mods if isinstance(mods, Mapping) else data if isinstance(data, Mapping) else {}
        items = [(f"modality {n!r}", a) for n, a in mods.items() if isinstance(a, ad.AnnData)]
    for where, adata in items:
        if (source := _counts_source(adata, layer)) is not adata:  # its .raw
            _refuse_repeated(source.var, where)


def _refuse_repeated(var, where: str, *, file: tuple[str, str | None] | None = None) -> None:
    """Refuse feature names ``.raw`` repeats among one kind of features (``var['feature_types']``; a gene and a
    protein may share a name), naming the fix on ``.raw``: every later check refused them as it refuses repeats of
    ``.X``, with ``adata.var_names_make_unique()``, which renames ``.X``'s names alone (scanpy's ``adata.raw =
    adata.copy()`` made before it keeps the repeats in ``.raw``), so the fix given changed nothing. ``file``: ``(file
    name, modality or None)`` of a ``.raw`` group on disk (:func:`refuse_raw_file_repeats`), whose fix reads the file,
    mends it and writes it again. A query's only among the names its model reads (:func:`names_read`)."""
    names = var.index
    if not names.has_duplicates:
        return
    import pandas as pd

    from .._words import count
    from .features import examples

    kinds = var["feature_types"].astype(str) if "feature_types" in var.columns else pd.Series("", index=names)
    repeated = pd.MultiIndex.from_arrays([kinds.to_numpy(), names.astype(str)]).duplicated()
    if _READ.get() is not None:  # a query: repeats among the features its model ignores are ignored with them
        repeated &= names.astype(str).isin(_READ.get())
    if not repeated.any():
        return
    dup = names[repeated].unique()
    fix = "raw = adata.raw.to_adata(); raw.var_names_make_unique(); adata.raw = raw"
    if file is not None:  # on disk: the file read, mended and written again (the AnnData of an .h5mu's modality)
        name, modality = file
        fix = (f"adata = anndata.read_h5ad({name!r}); {fix}; adata.write_h5ad({name!r})" if modality is None else
               f"mdata = mudata.read_h5mu({name!r}); adata = mdata.mod[{modality!r}]; {fix}; mdata.write({name!r})")
    raise ValueError(
        f"the .raw of {where}, read for layer='raw', repeats {count(len(dup), 'feature name')} (e.g. "
        f"{examples(dup)}); jae matches features by name, so they must be unique, and adata.var_names_make_unique() "
        f"renames .X's alone: make those of .raw unique, e.g. {fix}")


def refuse_raw_file_repeats(var, group) -> None:
    """Refuse, as the files are opened (before any counts are read), feature names the ``raw`` group ``group`` of an
    ``.h5ad`` or of an ``.h5mu`` modality (an h5py group; ``var``: its ``raw/var``) repeats among one kind, naming the
    fix that works on the file (:func:`_refuse_repeated`): the later check of repeated names named
    ``adata.var_names_make_unique()``, which leaves ``.raw`` as it is, as :func:`refuse_raw_repeats` says in memory."""
    from pathlib import Path

    name = Path(group.file.filename).name
    modality = None if group.name == "/" else group.name.rsplit("/", 1)[-1]
    _refuse_repeated(var, name if modality is None else f"modality {modality!r} of {name}", file=(name, modality))


def raw_count_names(adata):
    """The features of ``adata``'s ``.raw`` when it looks like raw counts (its first 10,000 stored values whole
    numbers, none negative; scanpy's ``adata.raw = adata`` after ``log1p`` does not), else None: where a refusal for
    too few of a model's features names ``layer='raw'`` as the fix."""
    import numpy as np
    import scipy.sparse as sp

    raw = getattr(adata, "raw", None)
    if raw is None:
        return None
    try:  # in memory: the stored values; on disk (backed): the first rows' only
        block = raw.X.data[:10_000] if sp.issparse(raw.X) else raw.X[:100]
        values = np.asarray(block.data if sp.issparse(block) else block, dtype=np.float64).ravel()[:10_000]
    except (TypeError, ValueError, AttributeError, OSError):  # a hint only: no .raw read, no hint
        return None
    return raw.var_names if np.all(values >= 0) and np.all(values == np.round(values)) else None


#: The count matrices :func:`resolve_raw` has said the source of (``id`` -> weak reference, gone with the matrix): the
#: steps of one call (checks, features) and later calls on the same AnnData read it again without a second line.
_SAID: dict[int, weakref.ref] = {}


def _said_before(matrix) -> bool:
    """Whether the source of ``matrix`` was said before (a new matrix is remembered; one that takes no weak
    reference is said every time)."""
    key = id(matrix)
    ref = _SAID.get(key)
    if ref is not None and ref() is matrix:
        return True
    try:
        _SAID[key] = weakref.ref(matrix, lambda _, key=key: _SAID.pop(key, None))
    except TypeError:
        pass
    return False


#: True while data whose opening already said where its counts are is read into memory (:func:`counts_noted`).
_NOTED: ContextVar[bool] = ContextVar("jae_counts_noted", default=False)


def note_counts_from_x(where: str, detail: str = "") -> None:
    """The log line saying that ``where`` has no ``'counts'`` layer and its ``.X`` is read as the raw counts (once per
    read: not again while :func:`counts_noted` reads files whose opening said it)."""
    if not _NOTED.get():
        logger.info("%s has no layer 'counts'; using .X as the raw counts%s", where, detail)


def note_raw(where: str, sizes: tuple[int, int] | None) -> None:
    """The log line of ``layer='raw'``: ``where``'s counts come from its ``.raw`` (``sizes``: the features of ``.raw``
    and of ``.X``), or from ``.X`` when it has none (``sizes`` None); for an AnnData and a file alike, once per read
    (not again while :func:`counts_noted` reads files whose opening said it)."""
    if _NOTED.get():
        return
    if sizes is None:
        logger.info("%s has no .raw; using .X as the raw counts", where)
    else:
        logger.info("%s: counts from .raw (%d features; .X has %d)", where, *sizes)


def noted() -> bool:
    """Whether this runs inside :func:`counts_noted` (the data's opening already logged what reading it says)."""
    return _NOTED.get()


@contextmanager
def counts_noted():
    """Read, inside this block, data whose opening already logged what reading it says: where each modality's counts
    are (:func:`jae.io.paired_files._counts_location`; :func:`note_counts_from_x` says nothing again) and how many
    cells each annotation file matched (:func:`jae.io.annotations.annotation_obs`, quiet inside it: :func:`noted`)."""
    token = _NOTED.set(True)
    try:
        yield
    finally:
        _NOTED.reset(token)


def counts_location(layer: str | None, layers, *, has_raw: bool, where: str) -> str | None:
    """jae's one rule for where a modality's raw counts are, for an AnnData and for a file's group alike: ``layer``
    when it is None (``.X``) or among ``layers``; None (``.X``) when it is the default ``'counts'`` and there is no
    ``.raw`` (data that keep their counts in ``.X``); otherwise a KeyError naming the layers there are and, with a
    ``.raw`` (scanpy's layout: normalised ``.X``, counts in ``.raw``), ``layer='raw'``. What is read is still checked
    to be counts, so a normalised ``.X`` is refused with the fix (:func:`jae.io.validate_counts`)."""
    if layer is None or layer in layers:
        return layer
    if layer == "counts" and not has_raw:
        return None
    hint = "; its .raw may hold them: pass layer='raw' if those are the raw counts" if has_raw else ""
    if not has_raw and not len(layers) and layer != "counts":  # e.g. proteins in .X beside RNA in layers['umi']
        hint = (f"; the layer named is read from every modality: if another keeps its counts in {layer!r} and this "
                f"one in .X, store them there too: adata.layers[{layer!r}] = adata.X (and write its file again)")
    raise KeyError(
        f"{where} has no layer {layer!r} (layers: {list(layers)}); pass layer=... naming the layer with raw counts, "
        f"or layer=None when .X holds them{hint}"
    )


def counts_or_x(adata, layer: str | None, *, where: str) -> str | None:
    """:func:`counts_location` for an AnnData (``layer``, or None for ``.X``), with a log line when the counts are
    read from ``.X`` because there is no ``'counts'`` layer; :func:`jae.io.paired_files._counts_location` applies the
    same rule to a file's group."""
    found = counts_location(layer, adata.layers, has_raw=getattr(adata, "raw", None) is not None, where=where)
    if found is None and layer is not None:
        note_counts_from_x(where, f" (its layers {list(adata.layers)}: pass layer=... to read one)"
                           if len(adata.layers) else "")
    return found


def counts_read(adata, layer: str | None) -> str:
    """Where :func:`counts_or_x` reads ``adata``'s counts, as messages name it: ``'X'``, or ``"layer 'name'"``."""
    found = counts_location(layer, adata.layers, has_raw=getattr(adata, "raw", None) is not None, where="the data")
    made = getattr(adata, "jae_layers_dropped", None) and found in adata.layers and adata.layers[found] is adata.X
    return "X" if found is None or made else f"layer {found!r}"  # made: a reader's 'counts' of a split's .X


def counts_hint_for(adata, layer: str | None, *, others=()) -> str | None:
    """The refusal's fix where the counts layer read is the very matrix of ``.X`` (jae's readers and
    :func:`jae.simulate` keep counts found in ``.X`` in both without copying them): normalising ``.X`` in place, as
    scanpy's ``normalize_total`` and ``log1p`` do, normalised the counts too, and no ``layer=`` finds them again; or the
    file's ``.X`` held normalised values. Where ``.X`` is read from one AnnData split into modalities, which keep the
    counts' matrix alone, the AnnData's layers are named (layers['raw_counts']). ``others``: the other modalities as
    read for the same ``layer``; when ``layer='raw'`` read one of them from its ``.raw``, ``layer=`` cannot name this
    one's layer, and the fix moves its counts into ``.X``. None otherwise (the general hint)."""
    found = counts_location(layer, adata.layers, has_raw=getattr(adata, "raw", None) is not None, where="the data")
    dropped = getattr(adata, "jae_layers_dropped", None)  # one AnnData's layers, not kept by its split (jae.io.single)
    if dropped and (found is None or found != RAW and found in adata.layers and adata.layers[found] is adata.X):
        return f"the data's .X holds no raw counts; its layers are {dropped}: pass layer=... naming the one holding them"
    layers = getattr(adata, "jae_raw_from_x", None)  # layer='raw' read .X, there being no .raw
    if found == RAW and layers:
        fix = "pass layer='counts'" if "counts" in layers else "pass layer=... naming the one holding them"
        # layer= names every modality's counts: another modality's came from its .raw (not .X for want of one)
        if any(not hasattr(other, "jae_raw_from_x") for other in others):
            fix = (f"as another modality keeps its counts in .raw, put this one's in .X, which layer='raw' reads here: "
                   f"adata.X = adata.layers[{'counts' if 'counts' in layers else '<that layer>'!r}] (and write its "
                   "file again)")
        return (f"there is no .raw, so layer='raw' read .X, which holds no raw counts; its layers are {layers}: "
                f"{fix}")
    # layers beside the one read that are not .X itself (layers['raw_counts'], ['umi']): where the counts may be
    others = [str(k) for k in adata.layers if k != found and adata.layers[k] is not adata.X]
    if found is None and layer is not None and others:  # .X read for want of a 'counts' layer
        return missing_layer_hint(layer, others)
    if found is None or found == RAW or found not in adata.layers or adata.layers[found] is not adata.X:
        return None  # layer='raw' has a hint of its own (scanpy's adata.raw = adata shares .X the same way)
    also = f"; its other layers are {others} (layer={others[0]!r} if that one holds them)" if others else ""
    return (f"layer {found!r} is the same matrix as .X (jae's readers and jae.simulate keep counts found in .X in both, "
            "without a copy), so if .X held counts, normalising it in place (e.g. sc.pp.normalize_total, sc.pp.log1p) "
            "changed them too: read the data again and keep them apart before normalising, with "
            f"adata.layers[{found!r}] = adata.X.copy(); if the file's .X held normalised values, pass layer=... naming "
            f"where its counts are (layer='raw' for its .raw){also}")


def missing_layer_hint(layer: str, others: list[str]) -> str:
    """The refusal's fix where ``.X`` was read for want of the layer ``layer`` and holds no raw counts, the data's
    layers being ``others``: in memory (:func:`counts_hint_for`) and from a file
    (:class:`jae.prediction.streamed.SourceFile`) in the same words, so that a refusal of both says it once."""
    return (f".X holds no raw counts and there is no layer {layer!r}; its layers are {others}: pass layer=... "
            f"naming where they are (layer={others[0]!r} if that one holds them)")


def x_read_hint(source) -> str | None:
    """The refusal's fix for counts streamed from a file's ``.X`` (a :class:`jae.io.chunked.BackedCounts` whose
    ``layer`` is None) where that file (or ``.h5mu`` modality) has no ``.raw`` but layers: they are named, with the fix
    for the case where ``layer='raw'`` read this ``.X`` because another modality keeps its counts in ``.raw`` (one
    ``layer=`` names every modality's counts, so no layer name reads both; in memory :func:`counts_hint_for` says the
    same). None otherwise, or when the file cannot be read (the general hint)."""
    import h5py

    if getattr(source, "layer", RAW) is not None or not hasattr(source, "path"):
        return None
    try:
        with h5py.File(source.path, "r") as f:
            group = f if getattr(source, "modality", None) is None else f["mod"][source.modality]
            if "raw" in group or "layers" not in group or not len(group["layers"]):
                return None
            layers = [str(k) for k in group["layers"]]
    except (OSError, KeyError):
        return None
    shown = "counts" if "counts" in layers else "<that layer>"
    return (f".X holds no raw counts, and its layers are {layers}: pass layer=... naming the one holding them, or, where "
            f"another modality keeps its counts in .raw (layer='raw' reads .X where there is no .raw), put these in "
            f".X: adata.X = adata.layers[{shown!r}] (and write its file again)")
