"""Query data as a fitted model's input features, when it lacks some of them (issue 15).

Every :meth:`jae.JAE.embed`, :meth:`~jae.JAE.latent`, :meth:`~jae.JAE.predict_cell_type`, :meth:`~jae.JAE.finetune`
and :meth:`~jae.JAE.map_query` call reads its data through :func:`query_features`. Data with the model's features
in both modalities takes the preprocessing's own path (:meth:`jae.preprocess.Preprocessor.transform`), so paired
cells embed exactly as before. Otherwise, per modality:

- **features that differ from the reference's** (another gene or peak list, another antibody panel): the overlap is
  used, extra features are ignored, one log line gives the numbers (:func:`jae.io.features.feature_overlap`), and
  below :data:`jae.io.features.MIN_FEATURE_FRACTION` of the reference's features it refuses. Missing features are
  never read as zeros: an SVD block is re-solved from the present features (the posterior mean of its coordinates
  under the reference cells' distribution, :meth:`jae.model.moments.FeatureMoments.block_posterior`), and missing
  protein columns get their regression on the observed columns over the reference cells (the conditional mean,
  :meth:`~jae.model.moments.FeatureMoments.conditional_mean`). A cell's library size is its total over the present
  features divided by the share they hold in the reference cells' mean profile; proteins normalised by their
  centred log-ratio take the geometric mean over the present proteins, scaled first to the model's median count
  under ``"clr_depth"`` (on the shared sets, a quarter of the panel left out moves the present proteins' values by
  0.01-0.16 on average with the plain CLR and 0.03-0.18 at the common depth, against a spread of 0.8-1.0; scaling to
  the present proteins' share of the reference's mean counts instead took 0.00-0.05 off that: not kept).
- **cells without the second modality** (a MuData or AnnData with RNA only, or a second modality measured in part of
  the cells): that modality's columns get their regression on the cell's RNA columns over the reference cells. The
  network and every paired cell's embedding are untouched; RNA-only cells land in the same space.

Both need the reference cells' feature moments that :meth:`jae.JAE.fit` keeps (``model.moments``); models saved
before them embed only data with the reference's features in both modalities.

This module finds the data's modalities and cells (in memory or on disk) and reads their counts; the features are
computed from them by :mod:`jae.query.transform` (:class:`QueryFeatures`, :func:`fill_missing_blocks`, importable
from here as well).
"""

from __future__ import annotations

import logging
import weakref
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import partial

import anndata as ad
import numpy as np
import pandas as pd

from ..io.features import examples, gene_symbols, unique_cells
from ..io.gene_names import name_columns
from ..io.mosaic import get_mosaic, is_mosaic
from ..io.validate import mosaic_counts
# the features computed from the counts (query/transform.py), kept importable from here
from .transform import QueryFeatures, _transform, fill_missing_blocks
from ..storage import in_data_order

__all__ = ["QueryFeatures", "query_features", "features_kept", "fill_missing_blocks", "measured", "other_kinds"]

logger = logging.getLogger(__name__)


def query_features(model, data, *, layer: str | None = "counts") -> QueryFeatures:
    """The input features of ``data``'s cells for the fitted ``model`` (see the module docstring).

    ``data``: MuData, ``{name: AnnData}``, one AnnData holding both modalities (:func:`jae.io.split_anndata`) or the
    RNA modality alone, or data on disk
    (:func:`jae.io.open_competition` / :func:`jae.io.open_h5mu` / :func:`jae.io.open_rna`, streamed in row blocks,
    each block checked to hold raw counts). Within :func:`features_kept`, the features of its data are computed once.
    """
    from ..io.plan import _as_files, plan_input

    model._require_fitted()
    with read_by(model):  # .raw on disk: its repeats among the genes the model ignores, ignored with them
        files = _as_files(data, None, rna_only=True, layer=layer)
    if getattr(files, "misordered", None):  # modalities in other cell orders: read whole, paired by name, as fit
        files, data = None, plan_input(files, what="query", once=True, layer=layer)
    if files is not None:
        return _from_files(model, files, data)
    kept = _KEPT.get()
    if kept is None or kept[0] is not data:
        return _in_memory(model, data, layer=layer)
    moments = getattr(model, "moments", None)
    for pre, mom, lay, features in kept[1]:
        if pre is model.preprocessor and mom is moments and lay == layer:
            return features
    features = _in_memory(model, data, layer=layer)
    kept[1].append((model.preprocessor, moments, layer, features))
    return features


def read_by(model):
    """:func:`jae.io.raw.names_read` of every feature the fitted ``model`` reads (each modality's): a query's ``.raw``
    refused for repeating those names alone."""
    from ..io.raw import names_read

    return names_read([str(n) for names in model.preprocessor.var_names for n in names])


#: The data of :func:`features_kept`'s block and its features: ``(data, [(preprocessor, moments, layer, features)])``.
_KEPT: ContextVar = ContextVar("jae_query_kept", default=None)


@contextmanager
def features_kept(data):
    """Within the block, :func:`query_features` computes the features of ``data`` (this object, held in memory) once
    per model preprocessing and layer and hands the same arrays back: for a command that owns ``data`` and never
    changes it (``jae embed``: the impute check, fine-tuning, embedding, labels and imputation read the same cells).
    Data on disk is kept by the model already (``JAE._files_features``)."""
    token = _KEPT.set((data, []))
    try:
        yield
    finally:
        _KEPT.reset(token)


def _in_memory(model, data, *, layer: str | None) -> QueryFeatures:
    from ..io.raw import refuse_raw_repeats

    with read_by(model):  # names matched to the model's: repeats of .raw it reads refused with their own fix
        refuse_raw_repeats(data, layer)
    mods = _modalities(data, layer=layer)
    names = _pick(model, mods)
    rna, other = (mods[n] if n is not None else None for n in names)
    if rna is not None and other is not None and not is_mosaic({n: mods[n] for n in names}, modalities=names,
                                                                layer=layer):
        from ..io.cell_obs import agreeing_columns, columns_taken_elsewhere
        from ..io.paired import get_paired

        with columns_taken_elsewhere(agreeing_columns()):  # the counts only: batches are read from the data's obs
            paired = get_paired({n: mods[n] for n in names}, modalities=names, layer=layer)
        if paired.kinds != model.preprocessor.kinds:
            raise ValueError(other_kinds(paired.kinds, model))
        cells, counts = _cell_order(data, paired.obs_names), list(paired.counts)
        if not cells.equals(paired.obs_names):
            counts = [c[paired.obs_names.get_indexer(cells)] for c in counts]
        return _transform(model, counts, [paired.var_names[0], paired.var_names[1]], names, cells, None,
                          symbols=[gene_symbols(a.var) for a in (rna, other)], raw=_raw_names(data, names, layer),
                          columns=[partial(name_columns, a.var) for a in (rna, other)])
    return _mosaic(model, data, names, rna, other, layer=layer)


def other_kinds(kinds, model) -> str:
    """The error for data whose second modality is not the model's kind (a Multiome file given to a CITE-seq model);
    ``kinds``: those the data holds (that kind alone, or RNA beside it)."""
    want = " + ".join(model.preprocessor.kinds)
    return (f"the data holds {' + '.join(kinds)}, the model was fitted on {want}; give {want} data (or RNA alone), "
            f"or use a model fitted on {model.preprocessor.kinds[0]} + {kinds[-1]}")


# ----------------------------------------------------------------------------------------- finding the modalities
def _modalities(data, *, layer: str | None) -> dict:
    """``{name: AnnData}`` of ``data`` (:func:`jae.io.single.modalities_of`), except that one AnnData holding a single
    modality is that modality alone: the RNA (cells to embed or map from RNA), or the kind its ``var['feature_types']``
    names (``mdata['atac']`` given alone)."""
    from ..io.raw import resolve_raw
    from ..io.single import _loaded, alone_name, modalities_of, split_anndata, unique_split

    if isinstance(data, ad.AnnData):  # one opened backed with its counts in .X / .raw, on disk: read into memory
        return unique_split(split_anndata(data, layer=layer), data) or {
            (name := alone_name(data)): resolve_raw(_loaded(data, layer, name), layer, where="the AnnData")}
    return modalities_of(data, layer=layer)[0]


def _pick(model, mods: dict) -> tuple[str, str | None]:
    """The data's names of the model's RNA and second modality (None when the data lacks the second); modalities of
    hashtags (:func:`jae.io.modality.hashtag_modalities`) are none of them unless the model names one so."""
    from ..io.modality import detect_kind, hashtag_modalities, held_types, kind_from_names, log_set_aside

    hashtags = [n for n in hashtag_modalities(mods, held_types(mods))
                if n not in model.modality_names]
    if hashtags:
        mods = {n: a for n, a in mods.items() if n not in hashtags}
        if any(n not in mods for n in model.modality_names):  # (taken by the model's names, they were never looked at)
            log_set_aside("the data", hashtags)
    found = []
    for name, kind in zip(model.modality_names, model.preprocessor.kinds):
        if name in mods:
            found.append(name)
            continue
        same = []
        for n, adata in mods.items():
            try:
                detected = detect_kind(adata, name=n)
            except ValueError:  # no feature types, a name jae does not know: ATAC / ADT by its feature names
                detected = kind_from_names(adata.var_names) if kind != "GEX" and n not in found else None
            if detected == kind:
                same.append(n)
        if len(same) > 1:
            raise ValueError(_several(model, kind, name, same, found))
        found.append(same[0] if same else None)
        if kind != "GEX" and not same:  # a second modality of another kind is a mix-up, not RNA-only cells
            for n, adata in mods.items():
                if n in found:
                    continue
                try:
                    other = detect_kind(adata, name=n)
                except ValueError:  # neither feature types nor a known name: not taken for a mix-up
                    continue
                if other in ("ATAC", "ADT"):  # beside the RNA, or alone (no RNA found: not 'GEX + ATAC')
                    held = (other,) if found[0] is None else (model.preprocessor.kinds[0], other)
                    raise ValueError(other_kinds(held, model))
    if found[0] is None and found[1] is None:
        raise ValueError(
            f"the data has neither of the model's modalities (its {model.preprocessor.kinds[0]} is named "
            f"{model.modality_names[0]!r}, its {model.preprocessor.kinds[1]} {model.modality_names[1]!r}; data has "
            f"{examples(list(mods), 5)}): jae places cells from either or both; name a modality as the model does"
        )
    return found[0], found[1]


def _several(model, kind: str, name: str, same: list, found: list) -> str:
    """The refusal of data holding several modalities of the model's ``kind`` (e.g. CITE-seq proteins and hashtags,
    'adt' and 'hto'), none of them named ``name`` as in the model: the fix names the one to use as the model does
    (a modality of the model's name is taken by its name), in a MuData of the two."""
    rna, other = model.modality_names
    if kind == "GEX":  # the second modality is looked for after the RNA
        shown = f"{rna!r}: mdata[{same[0]!r}], {other!r}: <its {model.preprocessor.kinds[1]} modality>"
    else:
        shown = f"{rna!r}: mdata[{(found[0] or rna)!r}], {other!r}: mdata[{same[0]!r}]"
    return (f"the data has {len(same)} {kind} modalities ({examples(same)}) and none named {name!r} as in the model, "
            f"so jae cannot tell which to use: name it as the model does, e.g. mudata.MuData({{{shown}}}) with the "
            f"one to use (the model's modalities: {rna!r}, {other!r})")


def _cell_order(data, names: pd.Index) -> pd.Index:
    target = getattr(data, "obs_names", None)
    if target is not None and len(target) == len(names) and pd.Index(target).isin(names).all():
        return pd.Index(target)
    return pd.Index(names)


def _mosaic(model, data, names, rna, other, *, layer) -> QueryFeatures:
    """Cells of which some lack a modality: both modalities read over the union of their cells
    (:func:`jae.io.mosaic.get_mosaic`), or the one modality the data has."""
    from ..io.paired import _as_csr, _matrix
    from ..io.mosaic import validate_alone

    if rna is not None and other is not None:
        m = get_mosaic({n: mods for n, mods in zip(names, (rna, other))}, modalities=names, layer=layer)
        if m.kinds != model.preprocessor.kinds:
            raise ValueError(f"data has modalities of kinds {m.kinds}, the model was fitted on {model.preprocessor.kinds}")
        cells, observed, counts, var_names = m.obs_names, m.observed, list(m.counts), list(m.var_names)
        _warn_pairing(m)
        target = _in_either(data, m)
        if target is not None and len(target) == len(cells) and pd.Index(target).isin(cells).all():
            cells, observed, counts = _reorder(pd.Index(target), cells, observed, counts)
    else:
        i = 0 if rna is not None else 1
        adata = rna if rna is not None else other
        cells = pd.Index(adata.obs_names)
        unique_cells(cells, f"modality {names[i]!r}", paired=False)
        X = _as_csr(_matrix(adata, name=names[i], layer=layer))
        validate_alone(X, name=f"modality {names[i]!r}")
        observed = np.zeros((len(cells), 2), dtype=bool)
        observed[:, i] = True
        counts, var_names = [None, None], [None, None]
        counts[i], var_names[i] = X, adata.var_names
    _log_missing(model, observed)
    return _transform(model, counts, var_names, names, cells, observed,
                      symbols=[None if a is None else gene_symbols(a.var) for a in (rna, other)],
                      raw=_raw_names(data, names, layer),
                      columns=[None if a is None else partial(name_columns, a.var) for a in (rna, other)])


def _raw_names(data, names, layer: str | None) -> list:
    """For the data's modalities ``names`` (the model's RNA and second modality; None: absent), the features of the
    ``.raw`` of counts each holds that ``layer`` did not read (None: no such ``.raw``, or ``layer='raw'``;
    :func:`jae.io.raw.raw_count_names`), for the refusal of too few of the model's features
    (:func:`jae.query.transform._raw_fix`). One AnnData's ``.raw`` serves both."""
    from collections.abc import Mapping

    from ..io.raw import RAW, raw_count_names

    if layer == RAW:
        return [None, None]
    if isinstance(data, ad.AnnData):
        return [None if n is None else raw_count_names(data) for n in names]
    mods = data if isinstance(data, Mapping) and not hasattr(data, "mod") else getattr(data, "mod", None) or {}
    return [None if n is None else raw_count_names(mods.get(n)) for n in names]


def _in_either(data, m) -> pd.Index | None:
    """The data's cell names (None for a dict; those a modality other than hashtags holds), refused in one line, as
    fit refuses them, when some cell has neither of the model's modalities measured (rows of NaN in both): the
    model's two modalities are read as a dict (:func:`get_mosaic` then has no global cells), so such a cell was
    dropped from the result without a word."""
    from ..io.cell_obs import _read_cells
    from ..io.mosaic import mosaic_union

    target = getattr(data, "obs_names", None)
    if target is not None:  # cells only hashtags hold, not read: NaN rows of the embedding (jae.storage.in_data_order)
        target = _read_cells(data, pd.DataFrame(index=pd.Index(target))).index
        mosaic_union([m.obs_names[m.observed[:, i]] for i in (0, 1)], pd.Index(target), m.names)
    return target


def _warn_pairing(m) -> None:
    """Warn when no cell of the mosaic data ``m`` (in memory or on disk) has both modalities, or when cells of one
    modality alone look like the other's renamed: often the same cells named otherwise (AAAC-1 / AAAC-1_atac)."""
    if not m.paired.any() and m.observed.any(axis=0).all():  # (a modality measuring no cell: RNA alone, as such)
        logger.warning("no cell has both modalities (%s), so each is embedded from one modality alone; %s",
                       m.summary(), m.pairing_fix())
    elif (misnamed := m.misnamed()) is not None:
        logger.warning("cells measured in one modality alone look like the other's renamed (%s): %s; as they are, "
                       "each is embedded as two cells with one modality", m.summary(), misnamed)


def _log_missing(model, observed: np.ndarray) -> None:
    """One log line per modality that some cells lack (none for a modality every cell has)."""
    for i in (1, 0):
        n_gone = int((~observed[:, i]).sum())
        if n_gone:
            logger.info(
                "%d of %d cells have no %s measurements (modality %r): its features are imputed from their %s by the "
                "reference cells' regression", n_gone, len(observed), model.preprocessor.kinds[i],
                model.modality_names[i], "RNA" if i == 1 else model.preprocessor.kinds[1],
            )


def _reorder(target: pd.Index, cells: pd.Index, observed: np.ndarray, counts: list):
    """``cells``' ``observed`` rows and per-modality ``counts`` (rows: the cells measured in it) in ``target``'s order."""
    if target.equals(cells):
        return cells, observed, counts
    perm = cells.get_indexer(target)
    new_observed = observed[perm]
    out = []
    for i, c in enumerate(counts):
        row_of = np.full(len(cells), -1)
        row_of[observed[:, i]] = np.arange(int(observed[:, i].sum()))
        out.append(c[row_of[perm][new_observed[:, i]]])
    return target, new_observed, out


def _from_files(model, files, data) -> QueryFeatures:
    """Features of data on disk (:class:`jae.io.PairedFiles`, :class:`jae.io.MosaicFiles` or :class:`jae.io.RnaFiles`),
    each modality's counts read in row blocks; mosaic rows are placed among the union of the cells by
    :meth:`~jae.io.MosaicFiles.positions`, and RNA alone is a mosaic whose second modality every cell lacks."""
    from ..io.mosaic_files import MosaicFiles
    from ..io.rna_files import RnaFiles

    rna_only = isinstance(files, RnaFiles)
    if files.kinds != model.preprocessor.kinds[:len(files.kinds)]:
        raise ValueError(other_kinds(files.kinds, model))
    mosaic = isinstance(files, (MosaicFiles, RnaFiles))
    observed = files.observed if mosaic else np.ones((files.n_obs, 2), dtype=bool)
    cached = getattr(model, "_files_features", None)
    if cached is not None and cached[0]() is files and cached[1] is model.preprocessor:
        return QueryFeatures(cached[2], files.obs_names, observed, cached[3])  # the same files again (jae embed)
    if mosaic:
        _log_missing(model, observed)
    if isinstance(files, MosaicFiles):
        _warn_pairing(files)
    sources, var_names, names = files.sources(), list(files.var_names), files.names
    if rna_only:
        sources, var_names, names = [sources[0], None], [var_names[0], None], (names[0], model.modality_names[1])
    sources = _checked(sources, names, paired=not rna_only, kinds=files.kinds)  # raw counts, as data read whole is checked to hold
    with mosaic_counts() if isinstance(files, MosaicFiles) else nullcontext():  # cells without counts: as in memory
        X, _, _, fitted = _transform(
            model, sources, var_names, names, files.obs_names, observed if mosaic else None,
            [files.positions(i) for i in (0, 1)] if isinstance(files, MosaicFiles) else None,
            symbols=[partial(files.gene_symbols, i) for i in range(len(files.counts))] + [None],
            columns=[partial(files.name_columns, i) for i in range(len(files.counts))] + [None])
    if files is data:  # one slot, kept until other data comes: a pass over big files costs minutes
        model._files_features = (weakref.ref(files), model.preprocessor, X, fitted)
    return QueryFeatures(X, files.obs_names, observed, fitted)


def _checked(sources, names, *, paired: bool = True, kinds=()) -> list:
    """Row-block sources of files whose blocks are checked to hold raw counts (:func:`jae.io.validate_counts`) as they
    are read, as counts read into memory are checked whole (None: a modality the data lacks). ``paired``: the data
    has both modalities (cells without counts in one may be left out of it: the message says so)."""
    kinds = list(kinds) + [None] * (len(names) - len(kinds))
    return [None if s is None else _CheckedCounts(s, n, paired, k) for s, n, k in zip(sources, names, kinds)]


class _CheckedCounts:
    """A row-block source (:class:`jae.io.chunked.BackedCounts`) whose blocks are checked to hold raw counts."""

    def __init__(self, source, name: str, paired: bool = True, kind: str | None = None) -> None:
        self.source, self.name, self.shape, self.kind = source, name, source.shape, kind
        self.modality = name if paired else None

    def blocks(self, block_rows: int, *, start: int = 0, **kwargs):
        from ..io.validate import counts_hint, validate_counts

        pos = start
        for block in self.source.blocks(block_rows, start=start, **kwargs):
            validate_counts(block, name=f"modality {self.name!r} (cells {pos}-{pos + block.shape[0] - 1})",
                            modality=self.modality, kind=self.kind, hint=counts_hint(self.source))
            pos += block.shape[0]
            yield block

    def read(self):
        from ..io.validate import counts_hint, validate_counts

        X = self.source.read() if hasattr(self.source, "read") else self.source.X  # (InMemoryCounts: a CSC file)
        validate_counts(X, name=f"modality {self.name!r}", modality=self.modality, kind=self.kind,
                        hint=counts_hint(self.source))
        return X


def measured(model, data, *, layer: str | None = "counts") -> np.ndarray | None:
    """``(n_cells, 2)`` bool: which of the model's modalities each cell of ``data`` has, in the data's cell order (as
    embeddings and labels come); None when every cell has both, or for no data. Told without reading counts, except
    for mosaic data in memory: by :func:`jae.io.mosaic.get_mosaic` (:func:`query_features` within :func:`features_kept`,
    where the features are computed once anyway)."""
    from ..io.plan import _as_files

    if data is None:
        return None
    files = _as_files(data, None, rna_only=True, layer=layer)
    if files is not None:  # told by the files (paired files: every cell both), not by a pass over their counts
        return None if getattr(files, "observed", None) is None or files.observed.all() else np.asarray(files.observed)
    names = _pick(model, mods := _modalities(data, layer=layer))
    if None in names:  # one modality: every cell has that one alone
        observed = np.zeros((mods[names[0] or names[1]].n_obs, 2), dtype=bool)
        observed[:, 0 if names[0] is not None else 1] = True
        return observed
    if not is_mosaic({n: mods[n] for n in names}, modalities=names, layer=layer):
        return None
    kept = _KEPT.get()
    if kept is not None and kept[0] is data:  # the features are computed once here anyway
        found = query_features(model, data, layer=layer)
        found = (found.observed, found.cells)
    else:  # which cells each modality holds, without computing their features
        found = get_mosaic({n: mods[n] for n in names}, modalities=names, layer=layer)
        _in_either(data, found)
        found = (found.observed, found.obs_names)
    observed = in_data_order(data, *found)[0]
    return None if observed.all() else observed

