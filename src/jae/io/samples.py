"""Several samples, each its own Cell Ranger (ARC) output, as one MuData: :func:`combine_samples`.

One ``cellranger-arc count`` (or ``cellranger count``) per sample is the usual layout, and combining the samples by
hand has two traps: barcodes repeat across samples (one whitelist), so cell names collide; and each sample's peaks
are called on its own, so the samples' ATAC features are other intervals over the same sites, and a concatenation by
name keeps only the few identical ones (or fills the rest with zeros). Here cells are named ``BARCODE-SAMPLE`` (as
``anndata.concat(..., index_unique='-')`` names them), genes (and proteins) are those every sample holds, and
differing peak sets are merged into one common set: the union of the samples' intervals with overlapping ones
joined (Signac's and GenomicRanges' ``reduce``), each sample's counts summed onto it. Each sample peak lies inside
exactly one merged peak, so no count is split or guessed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._words import count
from .features import MIN_FEATURE_FRACTION, _share, examples, unique_features
from .peaks import _intervals
from .._flags import check_layer

__all__ = ["combine_samples", "merge_peaks", "sample_name"]

logger = logging.getLogger(__name__)

_KINDS = {"ATAC": "atac", "ADT": "prot"}

#: Merged peaks wider than this (bases) are said in a warning, and kept: Signac's merging vignette drops peaks wider
#: than 10 kb after ``reduce``; jae keeps every count and leaves the choice to the user (the README's "Reading your
#: data": real per-sample peak calls of one tissue merge into none this wide, benchmarks/samples_combine.py).
WIDE_PEAK = 10_000


def combine_samples(samples, *, batch_key: str = "batch", mod2_kind: str | None = None, layer: str | None = "counts"):
    """Several samples of paired data (RNA + ATAC, or RNA + ADT), each its own object or file, as one MuData.

    Parameters
    ----------
    samples
        A mapping of sample name -> a MuData (as :func:`jae.read_10x_h5` or :func:`jae.read_h5mu` return it), an
        AnnData holding both modalities (``scanpy.read_10x_h5(path, gex_only=False)``, or scvi-tools' proteins in
        ``obsm['protein_expression']``: :func:`jae.io.split_anndata`), or the path of a Cell Ranger (ARC) ``.h5``
        (read by :func:`jae.read_10x_h5`) or matrix folder (:func:`jae.read_10x_mtx`), of an ``.h5mu``
        (:func:`jae.read_h5mu`) or of such an ``.h5ad`` (:func:`jae.io.read_paired_h5ad`), or the zarr store of
        either (:mod:`jae.io.zarr_stores`). The order given is the order of the cells and of the batches.
    batch_key
        The ``obs`` column that gets each cell's sample name (categorical, in the order given).
    mod2_kind
        ``'ATAC'`` or ``'ADT'``: the second modality, for files holding Peaks and Antibody Capture both.
    layer
        Where each sample keeps its raw counts, as for :meth:`jae.JAE.fit`: a layer (the default ``'counts'``, else
        ``.X``), ``'raw'`` for an AnnData's ``.raw`` (its features), None for ``.X``. Values that are no counts
        (normalised) are refused, naming the sample.

    Returns
    -------
    MuData with modalities ``'rna'`` and ``'atac'`` or ``'prot'``; cells named ``BARCODE-SAMPLE`` (e.g.
    ``AAACAGCCAAGGAATC-1-s1``); ``obs[batch_key]`` the sample, and each sample's other ``obs`` columns (missing for
    the cells of samples without them). Genes and proteins: those every sample holds, in the first sample's order.
    Peaks: the samples' own when every sample has the same, else one common set, the union of the samples' intervals
    with overlapping ones merged (:func:`merge_peaks`), each sample's counts summed onto it. Counts are float32 CSR in
    ``.X`` and ``layers['counts']`` (one matrix). The inputs are left unchanged.

    Examples
    --------
    >>> mdata = jae.combine_samples({"s1": "s1/outs/filtered_feature_bc_matrix.h5",
    ...                              "s2": "s2/outs/filtered_feature_bc_matrix.h5"})  # doctest: +SKIP
    """
    if not isinstance(samples, Mapping):
        raise TypeError(f"combine_samples: samples must be a mapping of sample name -> MuData or file path, e.g. "
                        f"{{'s1': 's1/outs/filtered_feature_bc_matrix.h5', 's2': ...}}, not {type(samples).__name__}")
    if not samples:
        raise ValueError("combine_samples: samples is empty; give at least one sample, name -> MuData or file path")
    bad = [n for n in samples if not isinstance(n, str) or not n.strip()]
    if bad:
        raise ValueError(f"combine_samples: sample names must be non-empty text, got {examples(map(repr, bad))}; "
                         "name each sample, e.g. {'s1': path1, 's2': path2}")
    if len({n.strip() for n in samples}) < len(samples):
        raise ValueError("combine_samples: sample names repeat once surrounding blanks are removed "
                         f"({examples(samples, 5)}); give each sample its own name")
    if not isinstance(batch_key, str) or not batch_key.strip():
        raise ValueError(f"combine_samples: batch_key must name an obs column, got {batch_key!r}")
    for name, value in samples.items():  # every path checked before any is read
        if not hasattr(value, "mod") and not isinstance(value, ad.AnnData):
            if not isinstance(value, (str, os.PathLike)):
                raise TypeError(f"combine_samples: sample {name!r} must be a MuData, an AnnData holding both "
                                f"modalities or a file path, not {type(value).__name__}")
            from .cellranger import check_cell_ranger
            from .zarr_stores import is_zarr, store_kind

            if is_zarr(value):  # an AnnData or MuData zarr store, read as its .h5ad or .h5mu
                store_kind(value, what=f"combine_samples: sample {name!r}")
                continue
            check_cell_ranger(value, what=f"sample {name!r}")  # a file, or a Cell Ranger matrix folder's three
    check_layer(layer)
    read = {name: _read(name, value, mod2_kind, layer) for name, value in samples.items()}
    return _combine(read, batch_key=batch_key, mod2_kind=mod2_kind, layer=layer)


def _read(name: str, value, mod2_kind, layer: str | None = "counts"):
    """A sample as a MuData: as given, split from one AnnData holding both modalities (as scanpy reads a Cell
    Ranger file with ``gex_only=False``), or read from its file by the file's suffix."""
    if hasattr(value, "mod"):
        return value
    if isinstance(value, ad.AnnData):
        from .single import to_mudata

        try:
            return to_mudata(value, layer=layer)
        except (ValueError, KeyError) as err:  # its words say "the AnnData": which one
            raise type(err)(f"combine_samples: sample {name!r}: {err.args[0] if err.args else err}") from None
    from .cellranger import is_mtx, read_10x_h5, read_10x_mtx
    from .paired_h5ad import read_paired_h5ad
    from .paths import user_path
    from .readers import read_h5mu

    from .zarr_stores import is_zarr, store_kind

    path = user_path(value)
    store = is_zarr(path) and store_kind(path)  # a zarr store: read as the file of its kind
    if path.suffix == ".h5mu" or store == "MuData":
        return read_h5mu(path, other_kind=mod2_kind, layer=layer)
    if path.suffix == ".h5ad" or store == "AnnData":
        return read_paired_h5ad(path, mod2_kind=mod2_kind, layer=layer)
    # Cell Ranger's counts
    return read_10x_mtx(path, mod2_kind=mod2_kind) if is_mtx(path) else read_10x_h5(path, mod2_kind=mod2_kind)


def _modalities(name: str, mdata, mod2_kind: str | None, *, rna_alone: bool = False):
    """``(rna, kind, other)`` of a sample, or a refusal naming it; ``rna_alone``: a sample of RNA alone is
    ``(rna, None, None)``."""
    from .modality import detect_kind, normalize_kind

    kinds: dict[str, list[str]] = {}
    for mod, adata in mdata.mod.items():
        try:
            kind = detect_kind(adata, name=mod)
        except ValueError:
            continue
        kinds.setdefault(kind, []).append(mod)
    if mod2_kind is not None:
        kinds = {k: v for k, v in kinds.items() if k in ("GEX", normalize_kind(mod2_kind))}
    if len(kinds.get("GEX", [])) != 1:
        raise ValueError(f"combine_samples: sample {name!r} has {len(kinds.get('GEX', [])) or 'no'} RNA modalities "
                         f"(modalities {examples(mdata.mod, 5)}); every sample needs one RNA modality, 'rna'")
    others = [(k, m) for k in ("ATAC", "ADT") for m in kinds.get(k, [])]
    if rna_alone and not others:
        others = [(None, None)]
    if len(others) != 1:
        what = "no second modality (RNA alone)" if not others else \
            f"{len(others)} second modalities ({examples([m for _, m in others])})"
        fix = "" if not others else "; pass mod2_kind='ATAC' or 'ADT' to choose one"
        raise ValueError(f"combine_samples: sample {name!r} has {what}; every sample needs RNA and one ATAC or ADT "
                         f"modality{fix}")
    kind, mod = others[0]
    for m in [kinds["GEX"][0]] + ([mod] if mod is not None else []):
        if not mdata.mod[m].obs_names.is_unique:
            cells = mdata.mod[m].obs_names
            raise ValueError(f"combine_samples: sample {name!r} modality {m!r} repeats cell names (like "
                             f"{examples(cells[cells.duplicated()], 2)}); make them unique in that sample first")
    return mdata.mod[kinds["GEX"][0]], kind, None if mod is None else mdata.mod[mod]


def _as_counts(adata: ad.AnnData, layer: str | None, *, where: str) -> ad.AnnData:
    """A sample's modality as an AnnData of its raw counts in ``.X`` (shared, not copied) and its features: read from
    ``layer`` by jae's rule (:func:`jae.io.raw.resolve_raw`, :func:`jae.io.raw.counts_location`; the default
    ``'counts'``, else ``.X``, as before), refused in one line when they hold values that are no counts: a
    MuData's normalised ``.X`` beside counts in ``.raw`` was stacked as counts, in silence."""
    from .count_fixes import count_faults
    from .raw import RAW, counts_location, resolve_raw

    adata = resolve_raw(adata, layer, where=f"combine_samples: {where}", unique=True)
    plain = layer is None or (layer == "counts" and layer not in adata.layers)  # (jae's readers: layers['counts'])
    found = None if plain else counts_location(layer, adata.layers, has_raw=adata.raw is not None,
                                               where=f"combine_samples: {where}")
    X = adata.X if found is None else adata.layers[found]
    first = count_faults(X.data if sp.issparse(X) else np.asarray(X).ravel()).first
    if first is not None:
        where_else = ("its .raw may hold them: layer='raw'" if adata.raw is not None and layer != RAW else
                      f"its layers: {examples(adata.layers, 5)}" if len(adata.layers) else "layer=None for .X")
        raise ValueError(
            f"combine_samples: {where} holds values that are no counts (e.g. {float(first):.6g}, read from "
            f"{'.X' if found is None else f'layer {found!r}'}), so it looks normalised: pass layer=... naming "
            f"where the samples keep their raw counts ({where_else})")
    return ad.AnnData(X=X, obs=adata.obs, var=adata.var)


def _counts(adata: ad.AnnData) -> sp.csr_matrix:
    """The raw counts of a modality (``layers['counts']``, else ``.X``) as CSR."""
    X = adata.layers["counts"] if "counts" in adata.layers else adata.X
    return X if sp.isspmatrix_csr(X) or isinstance(X, sp.csr_array) else sp.csr_matrix(X)


def _combine(read: dict, *, batch_key: str, mod2_kind: str | None, rna_alone: bool = False,
             layer: str | None = "counts", stack: bool = True):
    """The samples ``read`` (name -> MuData) as one; ``rna_alone``: samples of RNA alone (every one) are taken too,
    as one MuData of ``'rna'`` (a query that a fitted model embeds or maps from RNA, as :class:`jae.io.InputFiles`
    reads several Cell Ranger files of Gene Expression alone). ``stack=False``: every modality's counts left out
    (an all-zero matrix of the combined shape), for :mod:`jae.io.samples_files`, which writes them sample by sample
    (:func:`_sample_block`); returned with the feature maps then, as ``(mdata, {modality: _Features})``."""
    from .readers import make_mudata

    parts = {name: _modalities(name, mdata, mod2_kind, rna_alone=rna_alone) for name, mdata in read.items()}
    parts = {name: (_as_counts(rna, layer, where=f"the RNA of sample {name!r}"), kind,
                    None if other is None else _as_counts(other, layer, where=f"the {kind} of sample {name!r}"))
             for name, (rna, kind, other) in parts.items()}
    kinds = {name: p[1] for name, p in parts.items()}
    if len(set(kinds.values())) > 1:
        raise ValueError("combine_samples: the samples' second modalities differ ("
                         + ", ".join(f"{n} {k or 'none (RNA alone)'}" for n, k in kinds.items())
                         + "); combine samples of one kind: RNA + ATAC, or RNA + ADT"
                         + (", or RNA alone (a query to embed or map)" if rna_alone else ""))
    held = [n for n, mdata in read.items() if batch_key in mdata.obs.columns
            or any(a is not None and batch_key in a.obs.columns for a in (parts[n][0], parts[n][2]))]
    if held:
        more = f" (and {count(len(held) - 1, 'more sample')})" if len(held) > 1 else ""
        raise ValueError(f"combine_samples: sample {held[0]!r} already has an obs column {batch_key!r}{more}, which "
                         "would take the sample names; pass batch_key= another column name, e.g. batch_key='sample'")
    kind = next(iter(kinds.values()))
    names = list(read)
    cells = {n: _cell_names(n, parts[n][0].obs_names) for n in names}
    features = {"rna": _common_features("rna", "genes", {n: parts[n][0] for n in names})}
    mods = {"rna": _stack(features["rna"], {n: parts[n][0] for n in names}, cells, counts=stack)}
    if kind is not None:
        if kind == "ADT":
            other = _common_features("prot", "proteins", {n: parts[n][2] for n in names})
        else:
            other = _common_peaks({n: parts[n][2] for n in names})
        features[_KINDS[kind]] = other
        mods[_KINDS[kind]] = _stack(other, {n: parts[n][2] for n in names},
                                    {n: _cell_names(n, parts[n][2].obs_names) for n in names}, counts=stack)
    mdata = make_mudata(mods)
    obs = pd.concat([read[n].obs.set_axis(_cell_names(n, read[n].obs_names)) for n in names], join="outer")
    obs = obs.reindex(mdata.obs_names)
    sample = pd.concat([pd.Series(n, index=_cell_names(n, read[n].obs_names), dtype=object) for n in names])
    obs[batch_key] = pd.Categorical(sample.reindex(mdata.obs_names), categories=names)
    mdata.obs = obs
    sizes = ", ".join(f"{n} {read[n].n_obs:,}" for n in names)
    logger.info("combined %s: %s cells (%s), obs[%r] = the sample", count(len(names), "sample"),
                f"{mdata.n_obs:,}", sizes, batch_key)
    return mdata if stack else (mdata, features)


def _cell_names(sample: str, obs_names) -> pd.Index:
    """``BARCODE-SAMPLE``, as ``anndata.concat(..., index_unique='-')`` names the cells."""
    return pd.Index(np.asarray(obs_names).astype(str)).astype(object) + f"-{sample}"


class _Features:
    """The common features (``var``) and, per sample, how its columns give them: an index array (its column of
    each common feature) or a sparse 0/1 matrix (its features x the common ones, counts summed)."""

    def __init__(self, var: pd.DataFrame, maps: dict) -> None:
        self.var, self.maps = var, maps


def _common_features(modality: str, noun: str, mods: dict[str, ad.AnnData]) -> _Features:
    """The features every sample holds, in the first sample's order (refused when fewer than
    :data:`~jae.io.features.MIN_FEATURE_FRACTION` of any sample's), with the INFO line of what was dropped."""
    names = {n: unique_features(a.var_names, f"sample {n!r} modality {modality!r}") for n, a in mods.items()}
    first = next(iter(names.values()))
    keep = np.ones(len(first), bool)
    for index in names.values():
        keep &= first.isin(index)
    common = first[keep]
    n = min(names, key=lambda k: len(common) / max(len(names[k]), 1))  # the sample that keeps the least
    if len(common) < MIN_FEATURE_FRACTION * len(names[n]):
        index = names[n]
        raise ValueError(
            f"combine_samples: {modality}: only {count(len(common), noun[:-1], noun)} are in every sample, "
            f"{_share(len(common), len(index), MIN_FEATURE_FRACTION)} of the {len(index):,} of sample {n!r} (the "
            f"others like {examples(index[~index.isin(common)], 3)}), below the {MIN_FEATURE_FRACTION:.0%} jae "
            "needs: were the samples counted against other references or organisms? count them against one reference")
    extra = {n: index[~index.isin(common)] for n, index in names.items()}
    more = [f"{n} had {len(e):,} more" + (f": {examples(e, 3)}" if modality == "prot" else "")
            for n, e in extra.items() if len(e)]
    logger.info("%s: %s %s in every sample%s", modality, f"{len(common):,}", noun,
                f" ({', '.join(more)}, dropped)" if more else ", the same in each")
    var = next(iter(mods.values())).var.iloc[np.flatnonzero(keep)].copy()
    return _Features(var, {n: index.get_indexer(common) for n, index in names.items()})


def _common_peaks(mods: dict[str, ad.AnnData]) -> _Features:
    """The samples' peaks when every sample has the same (in the first's order), else their merge
    (:func:`merge_peaks`)."""
    names = {n: unique_features(a.var_names, f"sample {n!r} modality 'atac'") for n, a in mods.items()}
    first = next(iter(names.values()))
    if all(len(index) == len(first) and index.isin(first).all() for index in names.values()):
        logger.info("atac: %s peaks, the same in every sample", f"{len(first):,}")
        var = next(iter(mods.values())).var.copy()
        return _Features(var, {n: index.get_indexer(first) for n, index in names.items()})
    merged, maps = merge_peaks(names)
    width = merged_widths(merged)
    logger.info("atac: the samples' peak sets differ (%s peaks); merged into %s common peaks (overlapping peaks "
                "joined; median width %s, widest %s). Each sample's counts are summed onto them; counting each "
                "sample's fragments on them (jae.count_fragments) is exact",
                ", ".join(f"{n} {len(i):,}" for n, i in names.items()), f"{len(merged):,}",
                _bp(float(np.median(width))), _bp(int(width.max())))
    wide = width > WIDE_PEAK
    if wide.any():  # chains of overlapping peaks, or a sample's own wide peaks: kept (no count is lost), said
        share = _counts_in(mods, maps, np.flatnonzero(wide))
        logger.warning(
            "atac: %s of the %s merged peaks %s wider than %s (%.1f%% of the counts), made by chains of overlapping "
            "peaks or a sample's own wide ones (like %s): kept, each one feature; to keep the samples' resolution, "
            "count each sample's fragments on one peak set instead (jae.count_fragments), or drop them "
            "(mdata.mod['atac'] = mdata['atac'][:, widths <= 10_000], as Signac suggests)", f"{int(wide.sum()):,}",
            f"{len(merged):,}", "is" if wide.sum() == 1 else "are", _bp(WIDE_PEAK), 100 * share,
            examples(merged[wide], 2))
    var = pd.DataFrame(index=merged)
    first_var = next(iter(mods.values())).var
    if "feature_types" in first_var.columns and len(first_var):
        var["feature_types"] = str(first_var["feature_types"].iloc[0])
    matrices = {}
    for n, target in maps.items():
        matrices[n] = sp.csr_matrix((np.ones(len(target), np.float32), (np.arange(len(target)), target)),
                                    shape=(len(target), len(merged)))
    return _Features(var, matrices)


def merge_peaks(peaks: Mapping[str, pd.Index]) -> tuple[pd.Index, dict[str, np.ndarray]]:
    """One peak set from several: the union of the intervals, overlapping ones (any shared base, half-open
    ``[start, end)``: touching peaks stay apart) merged per chromosome, as Signac's and GenomicRanges' ``reduce``.

    Parameters
    ----------
    peaks
        Sample name -> its peak names, genomic intervals (``chr1:100-200``, ``chr1-100-200``, ``chr1_100_200``).

    Returns
    -------
    ``(names, maps)``: the merged peaks, named in the first sample's style (its separators), sorted by chromosome in
    the order first seen (the samples' own peak order, the first sample first) then by start; and per sample, the
    position among them of each of its peaks (the one merged peak that holds it).
    """
    read = {}
    for n, index in peaks.items():
        chrom, start, end = _intervals(index)
        if chrom.isna().any():
            bad = pd.Index(index)[chrom.isna().to_numpy()]
            raise ValueError(
                f"combine_samples: atac: the samples' peak sets differ, and {count(len(bad), 'peak name')} of sample "
                f"{n!r} {'is' if len(bad) == 1 else 'are'} no genomic interval (like {examples(bad, 3)}), so they "
                "cannot be merged by position; name peaks as intervals (chr1:100-200), or count each sample's "
                "fragments on one peak set with jae.count_fragments(fragments_file, peaks, cells=...)")
        if (end < start).any():
            i = int(np.flatnonzero(end < start)[0])
            raise ValueError(f"combine_samples: atac: sample {n!r}'s peak {str(index[i])!r} ends before it starts; "
                             "fix its peak names (chrom:start-end)")
        read[n] = (chrom.to_numpy().astype(object), start, end)
    _check_chromosome_names(read)
    chroms = pd.Index(pd.unique(np.concatenate([c for c, _, _ in read.values()])))
    code = np.concatenate([chroms.get_indexer(c) for c, _, _ in read.values()]).astype(np.int64)
    start = np.concatenate([s for _, s, _ in read.values()])
    end = np.concatenate([e for _, _, e in read.values()])
    order = np.lexsort((end, start, code))
    c, s, e = code[order], start[order], end[order]
    # running furthest end within each chromosome: a peak opens a new merged one where the chromosome changes or
    # it starts at or after every earlier peak's end (half-open: end == next start shares no base)
    new = np.ones(len(c), bool)
    if len(c) > 1:
        offset = c.astype(np.int64) << np.int64(40)
        reach = np.maximum.accumulate(e + offset)
        new[1:] = (c[1:] != c[:-1]) | (s[1:] + offset[1:] >= reach[:-1])
    group = np.cumsum(new) - 1
    g_start = s[new]
    g_end = np.maximum.reduceat(e, np.flatnonzero(new)) if len(e) else e
    g_chrom = chroms[c[new]]
    seps = _separators(next(iter(peaks.values())))
    names = pd.Index([f"{ch}{seps[0]}{a}{seps[1]}{b}" for ch, a, b in zip(g_chrom, g_start, g_end)])
    target = np.empty(len(c), np.int64)
    target[order] = group
    maps, at = {}, 0
    for n, (ch, _, _) in read.items():
        maps[n] = target[at:at + len(ch)]
        at += len(ch)
    return names, maps


def _separators(names) -> tuple[str, str]:
    """The two separators of the first name that is an interval (``chr1:100-200``: ``(':', '-')``)."""
    from .features import _INTERVAL

    for name in np.asarray(names).astype(str):
        if m := _INTERVAL.match(name):
            return m.group(2), m.group(4)
    return ":", "-"


def _check_chromosome_names(read: dict) -> None:
    """Refuse samples naming the same chromosomes otherwise (``chr1`` in one, ``1`` in another): merged as written,
    their peaks would never meet."""
    from .peaks import bare_chromosome

    names = list(read)
    first = set(read[names[0]][0])
    for n in names[1:]:
        own = set(read[n][0])
        if own & first or not own:
            continue
        bare = {bare_chromosome(c) for c in first}
        if {bare_chromosome(c) for c in own} & bare:
            raise ValueError(
                f"combine_samples: atac: samples {names[0]!r} and {n!r} name the chromosomes otherwise (like "
                f"{examples(sorted(first), 2)} and {examples(sorted(own), 2)}); rename one sample's peaks to the "
                "other's style first (e.g. 'chr' + name)")


def merged_widths(names) -> np.ndarray:
    """The widths (bases) of peaks named as intervals."""
    _, start, end = _intervals(names)
    return end - start


def _counts_in(mods: dict[str, ad.AnnData], maps: dict[str, np.ndarray], peaks: np.ndarray) -> float:
    """The share of the samples' peak counts that falls in the merged ``peaks``."""
    inside = total = 0.0
    for n, adata in mods.items():
        per_peak = np.asarray(_counts(adata).sum(axis=0)).ravel()
        inside += float(per_peak[np.isin(maps[n], peaks)].sum())
        total += float(per_peak.sum())
    return inside / max(total, 1.0)


def _bp(n: float) -> str:
    return f"{n / 1000:,.0f} kb" if n >= 10_000 else f"{n / 1000:.1f} kb" if n >= 1000 else f"{n:.0f} bp"


def _stack(features: _Features, mods: dict[str, ad.AnnData], cells: dict[str, pd.Index], *,
           counts: bool = True) -> ad.AnnData:
    """The samples' counts on the common features, stacked once: float32 CSR in ``.X`` and ``layers['counts']``,
    each sample's own ``obs`` columns kept (outer join); ``counts=False``: an all-zero matrix of that shape."""
    if counts:
        blocks = [_sample_block(features, n, adata) for n, adata in mods.items()]
        X = sp.vstack(blocks, format="csr", dtype=np.float32) if len(blocks) > 1 else blocks[0]
        X.sort_indices()
    else:
        X = sp.csr_matrix((sum(a.n_obs for a in mods.values()), len(features.var)), dtype=np.float32)
    obs = pd.concat([a.obs.set_axis(cells[n]) for n, a in mods.items()], join="outer")
    out = ad.AnnData(X=X, obs=obs, var=features.var)
    out.layers["counts"] = out.X
    return out


def _sample_block(features: _Features, name: str, adata: ad.AnnData) -> sp.csr_matrix:
    """Sample ``name``'s counts on the common features (float32 CSR): its columns of them, or its peaks' counts
    summed onto the merged peaks. ``adata`` may be the counts themselves (CSR), e.g. a block of its cells."""
    X = adata if sp.issparse(adata) else _counts(adata)
    how = features.maps[name]
    block = X[:, how] if isinstance(how, np.ndarray) else X @ how.astype(X.dtype)
    return sp.csr_matrix(block, dtype=np.float32)


def sample_name(path) -> str:
    """The sample a Cell Ranger file belongs to: the folder above ``outs/`` (``.../SAMPLE/outs/FILE.h5``, as
    ``cellranger-arc count --id=SAMPLE`` writes it; its matrix folder ``.../SAMPLE/outs/filtered_feature_bc_matrix``
    too; ``cellranger multi``'s ``.../outs/per_sample_outs/SAMPLE/count/sample_filtered_feature_bc_matrix.h5``: the
    folder under ``per_sample_outs/``), else the file's stem; a matrix folder's ``matrix.mtx.gz`` is named as its
    folder, a GEO copy's prefixed one (``GSM5123951_s1_matrix.mtx.gz``) by its prefix (``GSM5123951_s1``)."""
    from .cellranger import matrix_prefix

    path = Path(path)
    if (prefix := matrix_prefix(path.name)) is not None:
        return prefix.rstrip("_.-") or sample_name(path.parent)
    if path.parent.name == "outs" and path.parent.parent.name:
        return path.parent.parent.name
    if path.parent.name == "count" and path.parent.parent.parent.name == "per_sample_outs":
        return path.parent.parent.name
    return path.stem
