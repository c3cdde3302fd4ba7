"""A query's own peak set put onto a model's peaks by genomic overlap: :func:`remap_peaks`.

Peaks called per sample (cellranger-arc, MACS2, Signac, ArchR) overlap the reference's peaks but almost never share
their names, and jae matches features by name (:func:`jae.io.features.feature_overlap`). Counting the cells' fragments
in the model's peaks is exact; without the fragments, the standard approximation is the peak matrix re-assigned:
each of the data's peaks gives all its counts to the ONE model peak it overlaps by the most bases (ties: the first in
the model's order), so the counts stay whole numbers; data peaks that overlap no model peak are dropped, and model
peaks that receive none are left out of the result, so that jae treats them as missing and re-solves them from the
present ones (never zeros). Intervals are read from the names (``chr1:100-200``, ``chr1-100-200``, ``chr1_100_200``:
:data:`jae.io.features._INTERVAL`) as half-open ``[start, end)``, as BED files and Cell Ranger write them.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .chunked import emptied_rows, map_columns
from .features import _INTERVAL, MIN_FEATURE_FRACTION, _share, examples, unique_features

__all__ = ["remap_peaks", "remap_files", "peak_assignment", "remap_fix", "model_atac"]

logger = logging.getLogger(__name__)

#: Offset between chromosomes on one coordinate axis (2**40 bases: past any chromosome, and 2**23 chromosomes fit in
#: an int64), so that one sorted search covers every chromosome and no overlap crosses two.
_CHROM_SPAN = np.int64(1) << np.int64(40)


def _intervals(names) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Chromosome (NaN where the name is no interval), start and end (0 there) of each name: the one reading of peak
    names as intervals here and in :mod:`jae.io.fragments` (a match per name: faster than ``str.extract``)."""
    matches = [_INTERVAL.match(n) for n in np.asarray(names).astype(str)]
    chrom = pd.Series([m.group(1) if m else np.nan for m in matches], dtype=object)
    start = np.array([int(m.group(3)) if m else 0 for m in matches], dtype=np.int64)
    end = np.array([int(m.group(5)) if m else 0 for m in matches], dtype=np.int64)
    return chrom, start, end


def model_atac(model) -> tuple[pd.Index, str] | None:
    """A fitted :class:`jae.JAE`'s peaks (its ATAC features, in its order) and the name of that modality; None for a
    model without peaks (each caller refuses it in its own words)."""
    model._require_fitted()
    kinds = tuple(model.preprocessor.kinds)
    if "ATAC" not in kinds:
        return None
    i = kinds.index("ATAC")
    return pd.Index(model.preprocessor.var_names[i]).astype(str), model.modality_names[i]


#: The mitochondrion's names without ``chr``: UCSC's (``chrM``) and Ensembl's (``MT``).
_MITOCHONDRION = frozenset({"M", "MT"})


def bare_chromosome(chrom: str) -> str:
    """A chromosome without a leading ``chr`` (UCSC's ``chr1`` and Ensembl's ``1`` alike), the mitochondrion's as
    ``M`` (UCSC's ``chrM``, Ensembl's ``MT``, and ``chrMT`` or ``M``): the one rule by which peak names, a fragments
    file's contigs and the renaming fix match chromosomes named otherwise."""
    bare = chrom[3:] if chrom.startswith("chr") else chrom
    return "M" if bare in _MITOCHONDRION else bare


def _bare(chrom: pd.Series) -> pd.Series:
    """Each chromosome as :func:`bare_chromosome` gives it (NaN kept)."""
    return chrom.map(bare_chromosome, na_action="ignore")


def peak_assignment(data_peaks, model_peaks, *, min_overlap: int = 1) -> tuple[np.ndarray, bool]:
    """The model peak each data peak gives its counts to: the one it overlaps by the most bases (at least
    ``min_overlap``; ties: the first in ``model_peaks``' order).

    Parameters
    ----------
    data_peaks, model_peaks
        Peak names written as genomic intervals (``chr1:100-200``, ``chr1-100-200``, ``chr1_100_200``), read as
        half-open ``[start, end)``; names that are no interval overlap nothing.
    min_overlap
        Fewest shared bases that count as an overlap.

    Returns
    -------
    ``((len(data_peaks),) int64 array, bare)``: each data peak's position among ``model_peaks``, -1 for none; ``bare``
    True when chromosomes were compared without a leading ``chr`` (one side names them ``1``, the other ``chr1``).
    """
    return _assign(_intervals(data_peaks), _intervals(model_peaks), min_overlap)


def _assign(data, model, min_overlap: int) -> tuple[np.ndarray, bool]:
    """:func:`peak_assignment` of the data's and the model's peaks read by :func:`_intervals`."""
    (dc, ds, de), (mc, ms, me) = data, model
    bare = False
    if dc.notna().any() and mc.notna().any():
        written = dc.isin(set(mc.dropna())).sum()
        bare = bool(_bare(dc).isin(set(_bare(mc).dropna())).sum() > written)
        if bare:
            dc, mc = _bare(dc), _bare(mc)
    codes = pd.Index(pd.unique(mc.dropna()))
    m_ok, d_code = mc.notna().to_numpy(), codes.get_indexer(dc.fillna("\0"))
    d_ok = d_code >= 0
    out = np.full(len(dc), -1, np.int64)
    if not m_ok.any() or not d_ok.any():
        return out, bare
    m_pos = np.flatnonzero(m_ok)
    m_off = codes.get_indexer(mc[m_ok]).astype(np.int64) * _CHROM_SPAN
    m_start, m_end = ms[m_ok] + m_off, me[m_ok] + m_off
    order = np.argsort(m_start, kind="stable")
    m_pos, m_start, m_end = m_pos[order], m_start[order], m_end[order]
    reach = np.maximum.accumulate(m_end)  # the furthest end of any model peak up to here: none before lo reaches ds
    d_idx = np.flatnonzero(d_ok)
    d_off = d_code[d_ok].astype(np.int64) * _CHROM_SPAN
    d_start, d_end = ds[d_ok] + d_off, de[d_ok] + d_off
    lo = np.searchsorted(reach, d_start, side="right")
    hi = np.searchsorted(m_start, d_end, side="left")
    n = np.maximum(hi - lo, 0)
    if not n.sum():
        return out, bare
    row = np.repeat(np.arange(len(d_idx)), n)
    cand = lo[row] + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
    shared = np.minimum(d_end[row], m_end[cand]) - np.maximum(d_start[row], m_start[cand])
    keep = shared >= max(int(min_overlap), 1)
    row, cand, shared = row[keep], cand[keep], shared[keep]
    best = np.lexsort((m_pos[cand], -shared, row))  # per data peak: most bases first, then the model's order
    first = np.r_[True, row[best][1:] != row[best][:-1]] if len(best) else np.zeros(0, bool)
    out[d_idx[row[best][first]]] = m_pos[cand[best][first]]
    return out, bare


def remap_fix(var_names, expected, reference: str = "the model") -> str | None:
    """The fix naming :func:`remap_peaks` when the data's features are peaks that overlap at least
    :data:`~jae.io.features.MIN_FEATURE_FRACTION` of ``expected`` (the model's peaks) by position but not by name
    (peaks called per sample); None otherwise (other features, another organism or genome build)."""
    from .modality import kind_from_names

    if kind_from_names(expected) != "ATAC" or kind_from_names(var_names) != "ATAC":
        return None
    target, _ = peak_assignment(var_names, expected)
    k = len(np.unique(target[target >= 0]))
    if k < MIN_FEATURE_FRACTION * len(expected):
        return None
    return (f"its peaks are other intervals over the same regions ({k} of {reference}'s {len(expected)} peaks "
            f"overlap one of them): put its counts on {reference}'s peaks, each peak's on the one it overlaps most, "
            f"with jae.remap_peaks(data, model), or count the cells' fragments in {reference}'s peaks (exact) with "
            "jae.count_fragments(fragments_file, model, cells=data.obs_names)")


def _model_peaks(peaks) -> tuple[pd.Index, str | None]:
    """The model's peak names (in its order) and its ATAC modality's name, from a fitted :class:`jae.JAE` or the
    names themselves."""
    if hasattr(peaks, "preprocessor") and hasattr(peaks, "modality_names"):
        atac = model_atac(peaks)
        if atac is None:
            raise ValueError(f"remap_peaks: the model was fitted on {' + '.join(peaks.preprocessor.kinds)}, without "
                             "peaks; give a model fitted on RNA + ATAC, or the peak names to put the counts on")
        return atac
    if isinstance(peaks, (str, bytes)) or not hasattr(peaks, "__len__"):
        raise TypeError(f"remap_peaks: peaks must be a fitted jae.JAE model or a list / pandas Index of peak names, "
                        f"not {type(peaks).__name__}")
    names = unique_features(peaks, "peaks")
    if not len(names):
        raise ValueError("remap_peaks: peaks is empty; give the model (or the peak names) to put the counts on")
    return names, None


def _atac_of(data, modality: str | None, preferred: str | None):
    """``(name or None, AnnData)``: the ATAC modality of a MuData (``modality`` when given, else the one whose kind
    is ATAC, by ``var['feature_types']``, its name or its feature names), or an AnnData of ATAC counts itself."""
    from .modality import detect_kind, kind_from_names

    def kind(adata, name):
        try:
            return detect_kind(adata, name=name)
        except ValueError:
            return kind_from_names(adata.var_names)

    mods = data if isinstance(data, Mapping) else getattr(data, "mod", None)
    if isinstance(data, ad.AnnData):
        if "feature_types" in data.var.columns and data.n_vars and kind(data, None) != "ATAC":
            raise ValueError(
                "remap_peaks: the AnnData's var['feature_types'] names more than peaks; give its ATAC modality alone "
                "(adata[:, adata.var['feature_types'] == 'Peaks']) or a MuData (jae.io.to_mudata(adata))")
        return None, data
    if mods is None:
        raise TypeError(f"remap_peaks: data must be an AnnData of ATAC counts, a MuData or a dict of modalities, not "
                        f"{type(data).__name__}")
    if modality is not None:
        if modality not in mods:
            raise ValueError(f"remap_peaks: the MuData has no modality {modality!r} (it has {examples(list(mods), 5)});"
                             " pass modality= naming its ATAC modality")
        return modality, mods[modality]
    atac = [n for n, a in mods.items() if kind(a, n) == "ATAC"]
    if len(atac) > 1 and preferred in atac:
        atac = [preferred]
    if len(atac) != 1:
        raise ValueError(f"remap_peaks: the MuData has {len(atac) or 'no'} ATAC modalit{'ies' if len(atac) != 1 else 'y'}"
                         f"{f' ({examples(atac)})' if atac else ''} among {examples(list(mods), 5)}; pass modality= "
                         "naming the one to remap")
    return atac[0], mods[atac[0]]


def _counts(adata, layer: str | None, where: str):
    """``(AnnData, CSR, layer read)``: ``adata`` as jae reads it for ``layer`` (in memory; for ``'raw'``, its ``.raw``
    with the features stored there: :func:`jae.io.raw.resolve_raw`) and the counts jae reads from it (``layers[layer]``,
    ``.X`` without a ``'counts'`` layer: :func:`jae.io.raw.counts_location`, its one-line error for a missing layer)."""
    from .raw import counts_location, resolve_raw

    if getattr(adata, "isbacked", False):
        adata = adata.to_memory()
    adata = resolve_raw(adata, layer, where=where)
    found = counts_location(layer, adata.layers, has_raw=adata.raw is not None, where=where)
    return adata, (adata.X if found is None else adata.layers[found]), found


def remap_peaks(data, peaks, *, modality: str | None = None, min_overlap: int = 1, layer: str | None = "counts"):
    """The data's peak counts put onto a model's peaks by genomic overlap: a new object, ``data`` unchanged.

    Each of the data's peaks gives all its counts to the one model peak it overlaps by the most bases (ties: the
    first in the model's order), so counts stay integers; data peaks that overlap none are dropped; model peaks that
    receive none are left out, so that jae re-solves them from the present ones. An approximation of counting the
    cells' fragments in the model's peaks (exact, where the fragments are at hand): a wide data peak over two model
    peaks gives both's counts to one.

    Parameters
    ----------
    data
        An AnnData of ATAC counts, or a MuData or ``{name: AnnData}`` (its ATAC modality found by its kind, or named
        by ``modality``).
    peaks
        A fitted :class:`jae.JAE` (its ATAC features) or the peak names (a list or pandas Index) to count in.
    modality
        The MuData's modality to remap, when it cannot be told (several ATAC modalities).
    min_overlap
        Fewest shared bases for a data peak to count in a model peak (default 1: any overlap, as GenomicRanges'
        ``findOverlaps``; peaks of one site called in two samples share most of their width).
    layer
        Where the counts are: ``layers[layer]``, ``.X`` when there is no ``'counts'`` layer, ``.raw`` for ``'raw'``.

    Returns
    -------
    An object of ``data``'s type. Its (ATAC) AnnData has the covered model peaks as ``var_names`` (the model's order),
    the remapped counts as CSR in ``.X`` and ``layers['counts']`` (and ``layers[layer]``), and ``data``'s ``obs``,
    ``obsm`` and ``uns``; a MuData (or dict) keeps its other modalities (sharing their matrices), ``obs``, ``obsm``
    and ``uns``.

    Raises
    ------
    ValueError
        When the remapped counts would hold fewer than :data:`jae.io.features.MIN_FEATURE_FRACTION` of the model's
        peaks (the fix: a fragments count in the model's peaks, or a reference on these peaks), when the data's
        features are no genomic intervals, or when the ATAC modality cannot be told.
    """
    if isinstance(min_overlap, bool) or not isinstance(min_overlap, (int, np.integer)) or min_overlap < 1:
        raise ValueError(f"remap_peaks: min_overlap must be a whole number of bases >= 1, got {min_overlap!r}")
    model, preferred = _model_peaks(peaks)
    name, atac = _atac_of(data, modality, preferred)
    where = "the AnnData" if name is None else f"modality {name!r}"
    atac, X, found = _counts(atac, layer, where)
    pm = _peak_map(atac.var_names, model, where, min_overlap)
    X = sp.csr_matrix(X)
    counts = map_columns(X, pm.matrix)  # as jae.io.chunked.MappedCounts maps each row block when streamed
    totals = np.asarray(X.sum(axis=0)).ravel()
    pm.log(kept=float(totals[pm.used].sum() / max(totals.sum(), 1)))
    _warn_empty(emptied_rows(X, counts), where)
    return _rebuilt(data, name, atac, counts, pm.var_names, found)


class _PeakMap:
    """Each of a query's peaks' model peak, as a 0/1 matrix (query peaks x the covered model peaks), and what the
    log lines of :func:`remap_peaks` say of it."""

    def __init__(self, own: pd.Index, model: pd.Index, target: np.ndarray, bare: bool, where: str,
                 chroms: tuple[np.ndarray, np.ndarray]) -> None:
        self.covered = np.unique(target[target >= 0])
        self.target, self.chroms = target, chroms  # chroms: the query's and the model's peaks' chromosomes
        self.used = np.flatnonzero(target >= 0)
        self.var_names = model[self.covered]
        self.matrix = sp.csr_matrix((np.ones(len(self.used), np.float32),
                                     (self.used, np.searchsorted(self.covered, target[self.used]))),
                                    shape=(len(own), len(self.covered)))
        self.own, self.model, self.bare, self.where = own, model, bare, where

    def log(self, kept: float | None) -> None:
        """The INFO lines: chromosomes compared bare, and the peaks covered (with ``kept``, the share of the counts
        kept, once known)."""
        own, model, k, n = self.own, self.model, len(self.covered), len(self.model)
        if self.bare:
            used, to = self.used, self.target[self.used]
            _log_bare(self.chroms[0][used], self.chroms[1][to], own[used], model[to])
        dropped = len(own) - len(self.used)  # the parts that would count nothing are left out of the line
        logger.info("remap_peaks: %d of the model's %d peaks covered (%.0f%%%s), from %d of the %d peaks of %s%s%s",
                    k, n, 100 * k / n, f"; the other {n - k} left missing, re-solved by jae" if k < n else "",
                    len(self.used), len(own), self.where, f" ({dropped} overlapping none, dropped)" if dropped else "",
                    "" if kept is None else f", keeping {100 * kept:.1f}% of its counts")


def _warn_empty(empty: int, where: str) -> None:
    if empty:
        logger.warning("remap_peaks: %d cells have counts only in dropped peaks, none left; jae refuses cells without "
                       "counts: leave them out of %s", empty, where)


def _peak_map(var_names, model: pd.Index, where: str, min_overlap: int) -> _PeakMap:
    """The :class:`_PeakMap` of the query's peaks ``var_names`` onto ``model``'s; refused in one line when either is
    no genomic intervals or too few of the model's peaks are covered."""
    own = unique_features(var_names, where)
    model_read, own_read = _intervals(model), _intervals(own)  # each read once
    if model_read[0].isna().all():
        raise ValueError(f"remap_peaks: the model's features are no genomic intervals (named like {examples(model)});"
                         " give a model fitted on peaks, or peak names like 'chr1:100-200'")
    if own_read[0].isna().all():
        raise ValueError(f"remap_peaks: {where}'s features are no genomic intervals (named like {examples(own)}); "
                         "give its peaks named 'chr1:100-200' (chr1-100-200 and chr1_100_200 are read too)")
    target, bare = _assign(own_read, model_read, min_overlap)
    k, n = len(np.unique(target[target >= 0])), len(model)
    if k < MIN_FEATURE_FRACTION * n:
        chroms = own_read[0].dropna().unique()
        raise ValueError(
            f"remap_peaks: the {len(own)} peaks of {where} (like {examples(own, 2)}) overlap {k} of the model's {n} "
            f"peaks ({_share(k, n, MIN_FEATURE_FRACTION)}; like {examples(model, 2)}), below the "
            f"{MIN_FEATURE_FRACTION:.0%} jae needs (chromosomes like {examples(chroms, 3)}: another genome build or "
            "organism?); count the cells' fragments in the model's peaks (jae.count_fragments), or fit a reference on "
            "these peaks")
    return _PeakMap(own, model, target, bare, where, (own_read[0].to_numpy(), model_read[0].to_numpy()))


def remap_files(files, peaks, *, min_overlap: int = 1, layer: str | None = "counts"):
    """Query files on disk (:class:`jae.io.PairedFiles` or :class:`jae.io.MosaicFiles`) whose ATAC counts are put
    onto ``peaks`` (a fitted :class:`jae.JAE`, or peak names) as each row block is read, as :func:`remap_peaks` puts
    them in memory: the same counts, block by block (:class:`jae.io.chunked.MappedCounts`), the peak map built once
    from the file's features. A copy of ``files`` (read whole by its ``load``: read, then :func:`remap_peaks` with
    ``layer``, the files' layer setting); their other modality is left as it is."""
    from dataclasses import replace

    from .chunked import MappedCounts

    model, _ = _model_peaks(peaks)
    if "ATAC" not in files.kinds:
        raise ValueError(f"remap_peaks: the query holds {' + '.join(files.kinds)}, no peaks: leave remap_peaks "
                         "(--remap-peaks) out")
    i = list(files.kinds).index("ATAC")
    where = f"modality {files.names[i]!r}"
    pm = _peak_map(files.var_names[i], model, where, min_overlap)
    pm.log(kept=None)

    warned = []  # cells emptied: said at the first block that has any, before a reader refuses it

    def emptied(empty: int) -> None:
        warned.append(empty)
        _warn_empty(empty, where)

    def said(kept: float, empty: int) -> None:
        logger.info("remap_peaks: %.1f%% of the counts of %s kept", 100 * kept, where)
        if empty > sum(warned):  # (a reader that does not refuse them: the pass's other cells said too)
            _warn_empty(empty - sum(warned), where)

    var = pd.DataFrame(index=pm.var_names)  # as remap_peaks' AnnData's: the file's feature type, if it has one
    if (kind := _stored_feature_type(files.counts[i])) is not None:
        var["feature_types"] = kind
    counts = list(files.counts)
    counts[i] = MappedCounts(files.counts[i], pm.matrix, var=var, on_pass=said, on_empty=emptied)
    var_names = list(files.var_names)
    var_names[i] = pm.var_names
    loader = (_load_remapped, dict(loader=files.loader, peaks=model, modality=files.names[i],
                                   min_overlap=min_overlap, layer=layer))
    return replace(files, counts=tuple(counts), var_names=tuple(var_names), loader=loader)


def _load_remapped(loader, **remap):
    """What :meth:`jae.io.PairedFiles.load` reads of files :func:`remap_files` remapped: the data read whole by the
    files' own loader, then remapped whole (the same counts as the row blocks)."""
    func, kwargs = loader
    return remap_peaks(func(**kwargs), **remap)


def _stored_feature_type(counts) -> str | None:
    """The first of ``var['feature_types']`` of the file behind ``counts`` (a :class:`jae.io.chunked.BackedCounts`;
    its ``.raw``'s ``var`` when the counts are there), None without that column."""
    import h5py
    from .elems import read_elem

    from .raw import RAW_GROUP

    with h5py.File(counts.path, "r") as f:
        group = f if counts.modality is None else f["mod"][counts.modality]
        var = group["raw"]["var"] if counts.layer == RAW_GROUP else group["var"]
        if not isinstance(var, h5py.Group) or "feature_types" not in var or not counts.shape[1]:
            return None
        return str(np.asarray(read_elem(var["feature_types"]))[0])


def _log_bare(data_chrom, model_chrom, data_names, model_names) -> None:
    """The log line of peaks compared without ``chr``: the first pair of overlapping peaks named otherwise, and
    whether the mitochondrion's are among them."""
    other = np.flatnonzero(data_chrom != model_chrom)
    mito = _bare(pd.Series(data_chrom[other], dtype=object)).eq("M").any()
    i = int(other[0]) if len(other) else 0
    logger.info("remap_peaks: chromosomes named otherwise (%r in the data, %r in the model): compared without "
                "'chr'%s", str(data_names[i]), str(model_names[i]),
                " (the mitochondrion as chrM, chrMT, MT or M)" if mito else "")


def _rebuilt(data, name: str | None, atac, counts, var_names: pd.Index, layer: str | None):
    """A new AnnData of the remapped ``counts`` over ``atac``'s cells, or a new MuData with it as modality ``name``
    (the others sharing their matrices), ``data`` left unchanged."""
    var = pd.DataFrame(index=var_names)
    if "feature_types" in atac.var.columns and atac.n_vars:
        var["feature_types"] = str(atac.var["feature_types"].iloc[0])
    layers = {"counts": counts, **({layer: counts} if layer not in (None, "counts", "raw") else {})}
    new = ad.AnnData(X=counts, obs=atac.obs.copy(), var=var, obsm={k: v.copy() for k, v in atac.obsm.items()},
                     uns=copy.deepcopy(atac.uns), layers=layers)
    if name is None:
        return new
    from .readers import make_mudata

    def shallow(a):  # new frames, shared matrices: nothing done to the result reaches the user's object
        return ad.AnnData(X=a.X, obs=a.obs.copy(), var=a.var.copy(), layers=dict(a.layers), obsm=dict(a.obsm),
                          varm=dict(a.varm), uns=copy.deepcopy(a.uns), raw=a.raw.to_adata() if a.raw is not None else None)

    if isinstance(data, Mapping):  # {name: AnnData}, as jae takes it
        return {n: new if n == name else shallow(a) for n, a in data.items()}
    mdata = make_mudata({n: new if n == name else shallow(a) for n, a in data.mod.items()})
    mdata.obs = data.obs.reindex(mdata.obs_names).copy()
    for key, value in data.obsm.items():
        if key in data.mod:  # MuData's own mask of the cells each modality holds: made anew
            continue
        rows = pd.Index(data.obs_names).get_indexer(mdata.obs_names)
        mdata.obsm[key] = (value.iloc[rows].copy() if isinstance(value, pd.DataFrame) else np.asarray(value)[rows])
    mdata.uns.update(copy.deepcopy(data.uns))
    return mdata
