"""Input checks for modality prediction: paired cells, matching features, raw counts.

Every failure is a ValueError whose message names the problem and the fix.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..io import validate_counts
from ..io.raw import RAW, counts_hint_for, counts_location, resolve_raw
from ..io.validate import _RAW_HINT, _RAW_READ_HINT
from ..io.chunked import summed
from .._words import count
from ..io.features import examples, feature_indexer, unique_features

__all__ = ["one_modality", "refuse_raw_objects", "sources_checked", "check_unique_features", "query_columns",
           "query_features_match", "source_counts", "pair_cells", "check_target", "SOURCE_COUNTS_HINT", "with_layer",
           "target_counts"]

#: The fix after a source matrix that holds no raw counts: the joint model's (``layer=`` names where they are), as the
#: predictor reads them by the same rule (:func:`jae.io.raw.counts_location`).
SOURCE_COUNTS_HINT = _RAW_HINT

#: The fix after query cells that lack some of the source features (a query with all of them, and others, is read
#: by name): the predictor reads every feature it was trained on, so only one trained on the shared features helps;
#: before training (``train_source`` at hand), and for a fitted or saved predictor.
MISSING_FIX = (
    "the predictor reads every source feature it was trained on: train it on the features both have, e.g. keep = "
    "train_source.var_names.isin(query_source.var_names); fit on train_source[:, keep]")
MISSING_FIX_FITTED = (
    "the predictor reads every source feature it was trained on: train a new one on the features these cells have "
    "(its training source subset to them)")
#: ... and when they share none of them (nor are they renamed ones): no subset helps.
NONE_SHARED_FIX = (
    "none of these cells' features is one of them (another gene panel, organism or peak set): predict from the "
    "features the predictor was trained on (for ATAC: count the cells' fragments in its peaks), or train one on "
    "cells measured like these")

logger = logging.getLogger(__name__)

def one_modality(adata, *, name: str, layer: str | None = "counts"):
    """``adata`` when it is one modality's AnnData; a MuData, a path or anything else is refused in one line naming
    the argument ``name`` and the fix. A backed AnnData passes only as a source whose counts are the in-memory layer
    ``layer`` names."""
    import os
    from collections.abc import Mapping

    import anndata as ad

    refuse_raw_objects(**{name: adata})
    mods = getattr(adata, "mod", None)
    if isinstance(mods, Mapping):  # every modality named: the first one was suggested, the RNA even as the target
        role = "the modality to predict" if name == "train_target" else "the modality predicted from"
        names = [f"mdata[{str(m)!r}]" for m in mods] or ["mdata['rna']"]
        which = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise TypeError(f"{name} must be one modality's AnnData, not a MuData; pass {which}, {role}")
    if not isinstance(adata, ad.AnnData):
        fix = (f"; read the file first, e.g. anndata.read_h5ad({str(adata)!r})" if isinstance(adata, (str, os.PathLike))
               else "")
        at = (".X" if layer is None else ".raw (else .X)" if layer == "raw" else f"layers[{layer!r}]"
              + (" or .X" if layer == "counts" else ""))  # where layer= reads them (jae.io.raw.counts_location)
        raise TypeError(f"{name} must be an AnnData (one modality, raw counts in {at}), not "
                        f"{type(adata).__name__}{fix}")
    held = layer is not None and layer in adata.layers  # the layer=... named: backed, read 'counts' alone
    if adata.isbacked and (name == "train_target" or not held):  # its .X, read here, is a handle on the file (refused
        # as 'dtype object, not numbers'); its layers are in memory
        path = f"{str(adata.filename)!r}"
        if _in_mudata_file(adata.filename):  # a backed MuData's modality: its path is an .h5mu, which is refused
            raise ValueError(f"{name} is a modality of a backed MuData (read_h5mu(..., backed=True)), whose matrices "
                             f"stay in its file {path}; pass {name}.to_memory()")
        fix = (f"pass the file's path instead, {name}={path}, whose counts are read in row blocks, or "
               if name == "query_source" and not adata.is_view else "pass ")  # a subset's path: every cell
        raise ValueError(f"{name} is a backed AnnData (read_h5ad(..., backed='r')), whose matrices stay in its file; "
                         f"{fix}{name}.to_memory()")
    return adata


def refuse_raw_objects(**named) -> None:
    """Refuse, in one line naming them all, the arguments (``name=value``) that are an AnnData's ``.raw`` (anndata's
    ``Raw``, not an AnnData), with the fix for each: else the first was refused alone, and the next after a rerun."""
    raws = [name for name, value in named.items() if type(value).__name__ == "Raw" and hasattr(value, "to_adata")]
    if not raws:
        return
    them = " and ".join(raws)
    raise TypeError(f"{them} {'is' if len(raws) == 1 else 'are'} an AnnData's .raw (anndata's Raw), not an AnnData; "
                    f"pass {'it' if len(raws) == 1 else 'each'} as one, its counts in .X: "
                    + ", ".join(f"{name}=<adata>.raw.to_adata()" for name in raws))


def sources_checked(query_source, train_source, *, kinds: tuple[str, str] | None = None,
                    layer: str | None = "counts") -> None:
    """:func:`query_features_match`, whose refusal also names a training source that holds no raw counts either (the
    check :meth:`jae.ModalityPredictor.fit` makes next, made here only when the query is refused): both problems in
    one line, not the second after the first is fixed and the command run again."""
    try:
        query_features_match(query_source, train_source, kinds=kinds, layer=layer)
    except ValueError as query_err:
        try:
            _counts(train_source, name="train_source", layer=layer)
        except ValueError as train_err:
            raise ValueError(one_line(str(train_err), str(query_err))) from None
        raise


def one_line(first: str, second: str) -> str:
    """Two refusals in one line, the fix they both end with (their last ``'; '``-separated clauses) said once."""
    a, b = first.split("; "), second.split("; ")
    same = 0
    while same < min(len(a), len(b)) - 1 and a[-1 - same] == b[-1 - same]:
        same += 1
    return "; ".join(a[:-same]) + ", and " + "; ".join(b) if same else f"{first}; and {second}"


def layers_together(**steps):
    """Run each of ``steps`` (``name=callable``, e.g. reading a source at its ``layer=``) and return their results
    (a dict), a layer missing in several refused in one line (:func:`one_line`), not one source after a rerun."""
    done, missing = {}, []
    for name, step in steps.items():
        try:
            done[name] = step()
        except KeyError as err:
            missing.append(err.args[0] if err.args else str(err))
    if len(missing) > 1:
        raise KeyError(one_line(*missing[:2]))
    if missing:
        raise KeyError(missing[0])
    return done


def _in_mudata_file(path) -> bool:
    """Whether the file ``path`` (a backed AnnData's) is a MuData file (``.h5mu``), whose modalities anndata reads
    backed too; False when it cannot be opened."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return f.attrs.get("encoding-type") == "MuData" or "mod" in f
    except OSError:
        return False


def query_features_match(query_source, train_source, *, kinds: tuple[str, str] | None = None,
                         layer: str | None = "counts") -> None:
    """Refuse, before any training, query cells whose features differ from the training source's (the check
    :meth:`jae.ModalityPredictor.predict` makes after training: :func:`query_columns`) in one line naming both and
    the fix, or whose matrix holds no raw counts (:func:`source_counts`' check); ``kinds``: the (source, target)
    kinds, named when the query holds another modality."""
    columns = query_columns(query_source, pd.Index(train_source.var_names.astype(str)), kinds=kinds,
                            reference="train_source")
    from .streamed import SourceFile

    if isinstance(query_source, SourceFile):  # its counts checked block by block, as the prediction reads them
        query_source.encode(lambda counts: np.empty((counts.shape[0], 0), dtype=np.float32), 0, columns=columns)
    else:  # normalised values, or cells without counts: said before the training, not after it
        _counts(query_source if columns is None else query_source[:, columns], name="query_source",
                full=None if columns is None else query_source, layer=layer)


def check_unique_features(**named) -> None:
    """Refuse duplicated feature names in any of the ``named`` AnnData (or opened files) at once, naming every one
    holding them: checked one by one, a user making one unique met the next only on the next run. The query's only
    among ``train_source``'s features, which the predictor reads (others are ignored, repeated or not)."""
    held = {name: pd.Index(a.var_names).astype(str) for name, a in named.items()}
    if {"query_source", "train_source"} <= held.keys():
        held["query_source"] = held["query_source"][held["query_source"].isin(held["train_source"])]
    dup = {name: names[names.duplicated()].unique() for name, names in held.items() if names.has_duplicates}
    if len(dup) == 1:  # the one-modality message, with its fix
        name = next(iter(dup))
        unique_features(held[name], name)
    if dup:
        *rest, last = dup
        both = {"train_source", "query_source"} <= dup.keys()  # the same call on both keeps their names matching
        raise ValueError(
            f"{', '.join(rest)} and {last} have duplicated feature names (e.g. "
            + ", ".join(f"{names[0]!r} in {name}" for name, names in dup.items())
            + "); jae matches features by name, so they must be unique: make them unique first, e.g. "
            "adata.var_names_make_unique() on each of them" + (" (on both sources alike, so that their names still "
                                                              "match)" if both else ""))


def query_columns(query_source, features: pd.Index, *, kinds: tuple[str, str] | None = None,
                  reference: str = "the predictor") -> np.ndarray | None:
    """Columns taking the query's features to the training source's ``features`` (None: already in that order;
    features besides them are left out, with a log line; missing ones are refused).
    A feature name repeated among ``features`` (one repeated among the others is ignored as they are), and a query
    of another modality than the source (``kinds``: source, target), are refused in one line naming the fix, and so
    are repeated cell names (the predictions are named by them); ``reference`` names whose features they are in it
    (a fitted or loaded predictor's, or ``train_source``'s before training)."""
    from functools import cache

    from ..io.features import _by_interval, columns_read, gene_symbols, scheme_fix, unique_cells
    from .streamed import SourceFile

    if query_source.n_obs == 0:  # a file of none failed after the training, in numpy's words
        raise ValueError(f"query_source has no cells (0 cells x {query_source.n_vars} features), so there is nothing "
                         "to predict: pass the cells to predict (check the file and any subsetting done before)")
    var_names = _by_column(query_source, features, kinds=kinds, reference=reference)
    pos = columns_read(var_names, features, name="query_source")  # a repeat read: refused
    # the predictions are named by the query's cells (as text): names repeated there would be repeated in the output
    unique_cells(pd.Index(query_source.obs_names).astype(str), "query_source", paired=False,
                 written=isinstance(query_source, SourceFile))
    symbols = cache(query_source.gene_symbols if isinstance(query_source, SourceFile) else  # read from its file
                    lambda: gene_symbols(getattr(query_source, "var", None)))  # once, for the error only
    names = pd.Index(var_names).astype(str)
    by_name = bool((pos >= 0).all())
    if not by_name:  # peaks named with other separators (chr1:100-200 for chr1-100-200), found as the joint model's;
        # said once, when the prediction reads them, as the line below (not by the check before training)
        pos = _by_interval(names, pd.Index(features).astype(str), pos, name="query_source", reference=reference,
                           log=reference != "train_source")
    if (pos >= 0).all() and (len(names) > len(features) or not by_name):
        if len(names) > len(features) and reference != "train_source":  # said once, when the prediction reads them
            logger.info("the query cells have the %d source features the predictor was trained on and %d others, "
                        "which the prediction ignores", len(features), len(names) - len(features))
        return pos  # every feature (by name, or a peak by its interval), and perhaps others: ignored
    try:
        missing = (MISSING_FIX if reference == "train_source" else MISSING_FIX_FITTED) if names.isin(features).any() \
            else NONE_SHARED_FIX  # nothing to subset to
        return feature_indexer(var_names, features, name="query_source", reference=reference,
                               symbols=symbols, fix=_raw_first(query_source, features, scheme_fix(names, features, symbols)
                                                               or missing))  # Ensembl vs symbols;
        # CELLxGENE's Ensembl IDs, other case, separators or affixes: feature_indexer names the renaming
    except ValueError:  # perhaps the other modality: said by its feature_types, or by its names when none is shared
        names = [query_source.var_names, *([] if symbols() is None else [symbols()])]
        shared = any(pd.Index(n).astype(str).isin(features).any() for n in names)  # CITE-seq: CD4 is both
        kind = None if kinds is None else _query_kind(query_source, by_names=not shared)
        if kind is None or kind == kinds[0]:
            raise
        swapped = (f", or swap train_source and train_target to predict {kinds[0]} from {kind}"
                   if reference == "train_source" and kind == kinds[1] else "")  # the training files given swapped
        raise ValueError(
            f"query_source holds {kind} features, but this model predicts {kinds[1]} from {kinds[0]} (the modality it "
            f"was trained on): pass the query cells' {kinds[0]} counts, not their {kind}{swapped}") from None


def _by_column(query_source, features: pd.Index, *, kinds, reference: str):
    """The query's var_names, or its genes' other names in a ``var`` column (CELLxGENE's ``feature_name``, ...) where
    those hold every one of ``features`` and the var_names do not (:func:`jae.io.gene_names.names_by_column`, as the
    joint model reads a query): the predictor needs them all."""
    from ..io.gene_names import name_columns, names_by_column
    from .streamed import SourceFile

    if kinds is not None and kinds[0] != "GEX":
        return query_source.var_names
    columns = (query_source.name_columns if isinstance(query_source, SourceFile) else  # read from its file
               lambda: name_columns(getattr(query_source, "var", None)))
    found = names_by_column(query_source.var_names, features, columns, name="query_source", min_fraction=1.0,
                            reference=reference, log=reference != "train_source")  # said once: when predicting
    return query_source.var_names if found is None else found


def _raw_first(query_source, features, fix: str) -> str:
    """``fix`` for query cells lacking some of the source ``features``, after ``layer='raw'`` where the query's
    ``.raw`` of counts, not read, holds every one of them: a predictor trained with ``layer='raw'`` and cells read from the
    default ``layers['counts']``, cut to the highly variable genes with ``.X`` (the fix was to train a new one)."""
    from ..io.raw import raw_count_names

    raw = raw_count_names(query_source)
    if raw is None or not pd.Index(features).astype(str).isin(pd.Index(raw).astype(str)).all():
        return fix
    return (f"its .raw holds the counts of every one of them: pass layer='raw' to read those (as a predictor trained "
            f"with layer='raw' read its features); else {fix}")


def _query_kind(query_source, *, by_names: bool = True) -> str | None:
    """The query's modality kind: from ``var['feature_types']`` (an AnnData's, or read from a
    :class:`jae.prediction.streamed.SourceFile`'s file), else, with ``by_names``, its feature names (genomic intervals:
    ATAC; a small panel: ADT; more names that are not intervals: GEX); None when neither tells."""
    from ..io.modality import MAX_ADT_FEATURES, kind_from_names, known_kind
    from .streamed import SourceFile

    if isinstance(query_source, SourceFile):
        types = query_source.feature_types()
    else:
        var = getattr(query_source, "var", None)
        types = var["feature_types"] if var is not None and "feature_types" in var.columns else None
    if types is not None:
        found = {known_kind(t) for t in pd.unique(np.asarray(types).astype(str))}
        return found.pop() if len(found) == 1 else None  # mixed or unknown types: not told
    if not by_names:
        return None
    kind = kind_from_names(query_source.var_names)
    return kind or ("GEX" if len(query_source.var_names) > MAX_ADT_FEATURES else None)


def with_layer(adata, layer: str | None, *, name: str):
    """``adata`` as the predictor reads it for ``layer``: the joint model's rule (:func:`jae.io.raw.resolve_raw`:
    ``layer='raw'`` reads the AnnData's ``.raw``, with its features), and a ``layer`` it lacks refused in one line
    naming its layers and the fix (:func:`jae.io.raw.counts_location`), before any training."""
    adata = resolve_raw(adata, layer, where=name, unique=True)
    counts_location(layer, adata.layers, has_raw=getattr(adata, "raw", None) is not None, where=name)
    return adata


def source_counts(adata, *, name: str, full=None, layer: str | None = "counts"):
    """The raw counts of a source modality at ``layer`` (the joint model's rule, :func:`jae.io.raw.counts_location`:
    the default ``'counts'`` reads ``.X`` when there is no such layer nor a ``.raw``; None: ``.X``; an AnnData passed
    through :func:`with_layer` for ``'raw'``), validated (``full``: the query before its columns were taken to the
    predictor's features, for :func:`checked_counts`).

    Returns
    -------
    ``(n_cells, n_features)`` CSR float32 matrix or dense float32 array.
    """
    X = _counts(adata, name=name, full=full, layer=layer)
    # repeated entries summed, as the row blocks of a file streamed hold them (jae.prediction.streamed)
    return summed(sp.csr_matrix(X, dtype=np.float32)) if sp.issparse(X) else np.asarray(X, dtype=np.float32)


def _where(adata, found: str | None, name: str) -> str:
    """Where the counts read are, as messages name them: ``name.X``, ``name.raw.X`` or ``name.layers['L']``."""
    if found is None or getattr(adata, "jae_raw_from_x", None) is not None:
        return f"{name}.X"
    if found == RAW and adata.X is not None and adata.layers[RAW] is adata.X:  # resolve_raw's AnnData of the .raw
        return f"{name}.raw.X"
    return f"{name}.layers[{found!r}]"


def _counts(adata, *, name: str, full=None, layer: str | None = "counts"):
    """The matrix :func:`source_counts` reads, checked to hold raw counts, as it is stored (``full``: as for
    :func:`source_counts`)."""
    if adata.n_vars == 0:
        raise ValueError(f"{name} has no features; pass the source modality with its features")
    found = counts_location(layer, adata.layers, has_raw=getattr(adata, "raw", None) is not None, where=name)
    X, where = (adata.X if found is None else adata.layers[found]), _where(adata, found, name)
    if X is None:
        raise ValueError(f"{name} has neither layers[{layer or 'counts'!r}] nor .X; store the raw counts in "
                         f"layers[{layer or 'counts'!r}]")
    whole = None if full is None else full.X if found is None else full.layers[found]
    hint = counts_hint_for(adata, layer) or (_RAW_READ_HINT if layer == RAW else _RAW_HINT)
    checked_counts(X, name=where, cells=adata.obs_names, full=whole, hint=hint)
    return X


def checked_counts(X, *, name: str, cells, full=None, hint: str = SOURCE_COUNTS_HINT) -> None:
    """:func:`jae.io.validate_counts` of a source matrix ``X`` (``name``: where it is; ``cells``: its rows' names),
    whose rows all NaN (cells not measured in the source modality: a mosaic MuData's layout) are refused as such,
    not as values that are no raw counts. ``full``: the query's matrix before ``X``, its columns of the predictor's
    features, was taken from it (None: ``X`` is the whole matrix), for :func:`_known_counts`."""
    try:
        validate_counts(X, name=name, hint=hint)
    except ValueError as err:
        from ..io.mosaic import missing_rows

        missing = missing_rows(X)
        if not missing.any():
            if full is not None and "zero total counts" in str(err):
                _known_counts(X, full, name=name, cells=cells)
            raise
        arg = name.split(".", 1)[0]
        both = " and train_target" if arg == "train_source" else ""
        raise ValueError(
            f"{name} has {int(missing.sum())} of {len(missing)} cells whose row is all NaN (e.g. "
            f"{examples(pd.Index(cells)[missing])}): cells not measured in the source modality (a mosaic MuData holds "
            f"them so), so there is nothing to predict from; leave them out of {arg}{both}, e.g. adata = adata["
            "~jae.io.mosaic.missing_rows(adata.layers['counts'] if 'counts' in adata.layers else adata.X)].copy()"
        ) from None


def _known_counts(X, full, *, name: str, cells) -> None:
    """Refuse cells with no counts in the predictor's source features ``X`` but counts in others of the query's
    ``full`` matrix: they were refused as cells of 'zero total counts', whose fix (scanpy's filter_cells with
    min_counts=1) keeps them, as their counts lie in features the predictor does not read."""
    empty = np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() == 0)
    only = empty[np.asarray(full[empty].sum(axis=1)).ravel() > 0]
    if not len(only):
        return
    arg, where = name.split(".", 1)[0], name.split(".", 1)[1].split(" ", 1)[0] if "." in name else "X"
    raise ValueError(
        f"{count(len(only), 'cell')} of {X.shape[0]} in {name} {'has' if len(only) == 1 else 'have'} no counts in the "
        f"{X.shape[1]} source features the predictor reads (e.g. {examples(pd.Index(cells)[only])}): "
        f"{'its' if len(only) == 1 else 'their'} counts all lie in the {count(full.shape[1] - X.shape[1], 'feature')} "
        "it does not know, so nothing predicts them, and removing "
        f"cells without counts (min_counts=1) keeps them; leave them out of {arg}, e.g. adata = adata[numpy.asarray("
        f"adata[:, FEATURES].{where}.sum(axis=1)).ravel() > 0].copy() with FEATURES the features the predictor was "
        "trained on (its training source's var_names, a saved predictor's source_features)")


def target_counts(adata, layer: str | None = "counts"):
    """A training target's raw counts: its layer ``layer`` when it has one (the target's ``.X`` is read as its values,
    normalised or counts: :func:`jae.prediction.targets.target_matrix`), else None."""
    return adata.layers[layer] if layer is not None and layer in adata.layers else None


def check_target(adata, *, name: str, layer: str | None = "counts") -> None:
    """A training target needs features and cells, and finite values in ``.X`` (a NaN there, e.g. a mosaic MuData's
    unmeasured cell, made every prediction NaN)."""
    if adata.n_vars == 0:
        raise ValueError(
            f"{name} has no features, so there is nothing to predict; pass a target modality with features"
        )
    from .targets import _all_values

    X = adata.X
    if X is not None and not _all_values(X, np.isfinite):  # in chunks: no temporary of a wide target's size
        if sp.issparse(X):
            X = sp.csr_matrix(X)
            bad = np.zeros(X.shape[0], dtype=bool)
            bad[np.searchsorted(X.indptr, np.flatnonzero(~np.isfinite(X.data)), side="right") - 1] = True
        else:
            bad = ~np.isfinite(np.asarray(X)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{name}.X has NaN or infinite values in {int(bad.sum())} of its {len(bad)} cells (e.g. "
                f"{examples(adata.obs_names[bad])}), which would make the predictions NaN; leave those cells out of "
                f"train_source and {name} (a mosaic MuData holds the cells not measured in a modality as NaN rows)")
    counts = target_counts(adata, layer)
    if counts is not None:
        validate_counts(counts, name=f"{name}.layers[{layer!r}]", hint=SOURCE_COUNTS_HINT)


def pair_cells(source, target, *, source_name: str = "train_source", target_name: str = "train_target"):
    """Make the training target follow the training source's cell order.

    Identical ``obs_names`` pass; the same set in another order is reordered (with a log line); anything else
    raises.

    Returns
    -------
    ``target`` itself, or a reordered view of it.
    """
    if source.n_obs == 0:
        raise ValueError(f"{source_name} has no cells; prediction needs paired training cells")
    for adata, name in ((source, source_name), (target, target_name)):
        if not adata.obs_names.is_unique:
            dup = adata.obs_names[adata.obs_names.duplicated()].unique()
            raise ValueError(
                f"{name} has {count(len(dup), 'duplicated cell name')} ({examples(dup)}); make them unique "
                "(adata.obs_names_make_unique()) in both modalities"
            )
    if source.obs_names.equals(target.obs_names):
        return target
    src, tgt = pd.Index(source.obs_names), pd.Index(target.obs_names)
    if len(src) == len(tgt) and src.isin(tgt).all():
        logger.info("%s cells are %s's cells in another order; aligning them by name", target_name, source_name)
        return target[src]
    missing, extra = src.difference(tgt), tgt.difference(src)
    raise ValueError(
        f"training cells are not paired: {len(missing)} of {source_name}'s {len(src)} cells are missing from "
        f"{target_name}{f' (e.g. {examples(missing)})' if len(missing) else ''} and {len(extra)} of {target_name}'s "
        f"cells are not in {source_name}{f' (e.g. {examples(extra)})' if len(extra) else ''}; subset both to the shared cells, e.g. "
        "common = src.obs_names.intersection(tgt.obs_names); src, tgt = src[common], tgt[common]"
    )
