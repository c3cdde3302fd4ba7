"""Modality kinds (GEX, ATAC, ADT): detection from feature types or names, and canonical MuData names."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .call_fixes import argument_fix, memory_call
from .features import examples
from .kinds import KINDS, MAX_ADT_FEATURES, MOD_NAMES, Kind

__all__ = ["Kind", "KINDS", "MOD_NAMES", "detect_kind", "feature_kinds", "normalize_kind", "kind_from_names", "pair_from_names",
           "modality_kinds", "MAX_ADT_FEATURES", "content_kind", "describe_types", "typed_as",
           "HASHTAG_NAMES", "is_hashtags", "hashtag_modalities", "held_types"]

logger = logging.getLogger(__name__)

# Spellings seen in the competition files, Cell Ranger (ARC) and MuData objects.
_ALIASES: dict[str, str] = {
    "gex": "GEX", "gene expression": "GEX", "gene_expression": "GEX", "rna": "GEX", "mrna": "GEX", "gene": "GEX",
    "atac": "ATAC", "peaks": "ATAC", "peak": "ATAC", "chromatin accessibility": "ATAC",
    "adt": "ADT", "antibody capture": "ADT", "prot": "ADT", "protein": "ADT", "cite": "ADT",
}


def normalize_kind(value: str, *, argument: str = "kind") -> str:
    """Map a user-given or file-given modality name ``value`` (``'Gene Expression'``, ``'peaks'``, ``'adt'``) to a
    kind; ``argument`` names the caller's argument that gave it, in the error.

    Raises
    ------
    ValueError
        For a name that is no known modality.
    """
    key = str(value).strip().lower()
    if key.upper() in KINDS:
        return key.upper()
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(
        f"unknown modality {value!r}: jae handles GEX (RNA), ATAC (peaks) and ADT (proteins); "
        f"pass the kind explicitly, e.g. {argument}='ATAC'"
    )


def known_kind(feature_type: str) -> str | None:
    """The kind of a feature type (:func:`normalize_kind`), None for one jae does not pair (Cell Ranger's Multiplexing
    Capture, CRISPR Guide Capture, Custom)."""
    try:
        return normalize_kind(feature_type)
    except ValueError:
        return None


def feature_kinds(feature_types, *, where: str) -> tuple[np.ndarray, list[str]]:
    """Each feature's kind (:func:`known_kind`) as an object array, None for a feature type jae does not pair (Cell
    Ranger's Multiplexing Capture, CRISPR Guide Capture, Custom), and those feature types, left out with one log line
    naming them and their counts (``where``: the file or AnnData)."""
    values = np.asarray(feature_types).astype(str)
    uniq, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    known = [known_kind(v) for v in uniq]
    left_out = [(str(v), int(n)) for v, k, n in zip(uniq, known, counts) if k is None]
    if left_out:
        logger.info("%s: leaving out %s (jae reads Gene Expression, Peaks and Antibody Capture)", where,
                    ", ".join(f"{n} {v} features" for v, n in left_out))
    return np.array(known, dtype=object)[inverse.ravel()], [v for v, _ in left_out]


def describe_types(feature_types) -> str:
    """The feature types of a ``var['feature_types']`` column and their counts, for messages:
    ``"'Gene Expression' (300 features), 'Antibody Capture' (30)"``, most features first."""
    uniq, counts = np.unique(np.asarray(feature_types).astype(str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{str(uniq[i])!r} ({int(counts[i])}{' features' if j == 0 else ''})" for j, i in enumerate(order))


def typed_as(adata, kind: str, *, where: str):
    """``adata`` (a modality just read from a file) with ``var['feature_types']`` set to ``kind`` where the column
    names another kind: a kind the caller gave (``mod2_kind=``, ``other_kind=``) overrides the column, and every later
    step that reads the kind off the column again (:meth:`jae.JAE.fit` on data read whole) must read the given one, as
    the streaming path does (the same fit trained GEX+ATAC read whole and GEX+ADT streamed). ``where``: for the log."""
    if "feature_types" not in adata.var.columns:
        return adata
    values = pd.unique(np.asarray(adata.var["feature_types"]).astype(str))
    if {known_kind(v) for v in values} != {kind}:
        logger.warning("%s: var['feature_types'] names %s, but the kind given (--mod2-kind; mod2_kind= or other_kind= "
                       "in Python) is %s: read as %s", where, describe_types(adata.var["feature_types"]), kind, kind)
        adata.var["feature_types"] = kind
    return adata


def detect_kind(adata, *, name: str | None = None, where: str | None = None) -> str:
    """Detect the kind of one modality from ``var['feature_types']``, falling back to its modality name.

    Parameters
    ----------
    adata
        The modality's AnnData.
    name
        The modality's name in a MuData (``'rna'``, ``'atac'``, ``'prot'``), used when the features carry no
        ``feature_types`` column.
    where
        How messages name it (e.g. ``'mod1 file x.h5ad'``); None: by ``name``.

    Returns
    -------
    ``'GEX'``, ``'ATAC'`` or ``'ADT'``.
    """
    if adata.n_vars == 0:
        raise ValueError(
            f"{f'modality {name!r}' if name else 'a modality'} has no features (0 columns); jae needs at least one feature in each "
            "modality: check the file and any subsetting done before"
        )
    if "feature_types" in adata.var.columns:
        values = pd.unique(np.asarray(adata.var["feature_types"]).astype(str))
        kinds = {normalize_kind(v) for v in values}
        if len(kinds) > 1:
            found = describe_types(adata.var["feature_types"])
            if where is not None:  # a file of the competition layout: it holds both modalities, as a 10x file does
                raise ValueError(f"{where} mixes the feature types {found}: it holds both modalities in one matrix, "
                                 "as Cell Ranger writes them; pass it alone as h5ad=FILE, which splits it by "
                                 "var['feature_types']")
            raise ValueError(
                f"{f'modality {name!r}' if name else 'the AnnData'} mixes the feature types {found}; split it into one "
                "modality per feature type (jae.io.split_anndata does, as jae.io.read_10x_h5 does for Cell Ranger files)"
            )
        return kinds.pop()
    if name is not None:
        return normalize_kind(name)
    raise ValueError(
        "cannot tell the modality kind: var has no 'feature_types' column; pass kind='GEX', 'ATAC' or 'ADT'"
    )


#: A peak's name: a contig and two coordinates, as Cell Ranger ARC ('chr1:100-200'), the competition ('chr1-100-200')
#: and SNARE-seq ('chr1_100_200') write them.
_PEAK_NAME = re.compile(r"^[A-Za-z0-9.]+(?:[:_-])\d+[_-]\d+$")


def kind_from_names(var_names) -> str | None:
    """The kind of a second modality (ATAC or ADT) read off its feature names, for files without ``feature_types``.

    ``'ATAC'`` when at least 90% of the names (of an evenly spaced sample of 1,000) are genomic intervals
    (``chr1-100-200``, ``chr1:100-200``, ``chr1_100_200``); ``'ADT'`` when none is and there are at most
    :data:`MAX_ADT_FEATURES` features (an antibody panel); None otherwise (the caller asks the user).
    """
    names = np.asarray(var_names).astype(str)
    if not len(names):
        return None
    sample = names if len(names) <= 1000 else names[np.linspace(0, len(names) - 1, 1000).astype(int)]
    share = float(np.mean([bool(_PEAK_NAME.match(n)) for n in sample]))
    if share >= 0.9:
        return "ATAC"
    if share == 0.0 and len(names) <= MAX_ADT_FEATURES:
        return "ADT"
    return None


def pair_from_names(kinds, var_names) -> list:
    """The kinds of a GEX + ATAC/ADT pair, ``kinds`` (two kinds or None) completed from the feature names ``var_names``
    (two indexes) where they tell: a side without a kind whose names are genomic intervals or a small panel
    (:func:`kind_from_names`) is ATAC / ADT when the other side is GEX or unknown, and a side whose names do not tell
    is GEX when the other side is ATAC or ADT. A side that stays unknown stays None (the caller asks the user)."""
    named = [None if k else kind_from_names(names) for k, names in zip(kinds, var_names)]
    out = list(kinds)
    for i in (0, 1):
        if out[i] is not None:
            continue
        other = kinds[1 - i] or named[1 - i]
        if named[i] in ("ATAC", "ADT") and other in ("GEX", None):
            out[i] = named[i]
        elif named[i] is None and other in ("ATAC", "ADT"):
            out[i] = "GEX"
    return out


def modality_kinds(names, var, *, given=(None, None), fix: str = "", argument: str = "kind") -> list[str]:
    """The kinds of two modalities of a MuData (or ``.h5mu``), ``names`` RNA first where known.

    Each side's kind is ``given`` (e.g. ``other_kind``), else its ``var['feature_types']`` (``var``: two frames), else
    its name when jae knows it (``'rna'``, ``'RNA'``, ``'mRNA'``, ``'atac'``, ``'prot'``, ...); a side still unknown
    is read off the pair's feature names (:func:`pair_from_names`: genomic intervals are ATAC, a small panel ADT, the
    partner of either GEX). Raises one line naming the modality and the fix (``fix`` adds the caller's own) when a
    side stays unknown; ``argument``, the caller's argument of the second given kind, is named when it is no kind.
    """
    kinds = []
    for name, frame, kind in zip(names, var, given):
        if kind is not None:
            kinds.append(normalize_kind(kind, argument=argument if name == names[-1] else "kind"))
        elif "feature_types" in frame.columns:
            kinds.append(detect_kind(_Var(frame), name=name))
        else:
            kinds.append(normalize_kind(name) if str(name).strip().lower() in _ALIASES else None)
    if None not in kinds:
        return kinds
    completed = pair_from_names(kinds, [frame.index for frame in var])
    for name, kind, was, frame in zip(names, completed, kinds, var):
        if kind is None:
            raise ValueError(
                f"cannot tell what modality {name!r} holds: its var has no 'feature_types' column, jae does not know "
                f"the name {name!r} (it knows e.g. rna, gex, atac, prot, adt, protein) and its feature names do not "
                f"tell; set var['feature_types'] of {name!r} to 'GEX', 'ATAC' or 'ADT', or rename the modality{fix}"
            )
        if was is None:
            logger.info("modality %r has no var['feature_types'] and its name is not a modality's; read as %s from "
                        "its %d feature names", name, kind, len(frame))
    return completed


class _Var:
    """An AnnData's ``var`` alone, as :func:`detect_kind` reads it."""

    def __init__(self, var: pd.DataFrame) -> None:
        self.var, self.n_vars = var, len(var)


#: Signs that a feature name is a gene: an Ensembl gene ID, a mitochondrial or ribosomal-protein gene, a clone-based
#: or long non-coding RNA name (GENCODE: AC012345.1, RP11-34P13.7, LINC00115); no antibody panel names its antibodies
#: so. Cell-cycle genes (jae.resources, :func:`_cell_cycle_symbols`) count too.
_GENE_NAME = re.compile(r"^(?:ENS[A-Z]*G\d{6,}(?:\.\d+)?|MT-.+|RP[LS]\d+[A-Z]?\d*|(?:A[CLP]|BX|CR|FP|Z)\d{6}\.\d+"
                        r"|RP\d+-\d+[A-Z]\d+\.\d+|LINC\d+)$", re.IGNORECASE)
#: Signs that a feature name is an antibody: a CD marker (CD3, CD45RA, CD8a, with an optional anti-/species prefix
#: and a suffix: CD3_TotalSeqB, CD4-UCHT1), a TotalSeq / ADT tag, an oligo barcode suffix (REAP-seq: CD3_AGGATCGA),
#: an isotype control, HLA-DR.
_PROTEIN_NAME = re.compile(r"^(?:anti[-_ ]?)?(?:(?:human|mouse|hu|mo)[-_. ])?(?:CD\d+[A-Za-z]{0,3}\d?(?:$|[-_. ])"
                           r"|HLA-DR(?:$|[-_. ]))|TotalSeq|^ADT[-_]?|[-_]ADT$|[-_][ACGT]{8,}$|IgG|isotype",
                           re.IGNORECASE)


def _cell_cycle_symbols() -> frozenset:
    """The human and mouse cell-cycle genes' symbols and Ensembl IDs (jae.resources), upper case."""
    from .._cell_cycle_genes import _gene_table

    return frozenset(str(v).upper() for o in ("human", "mouse") for c in ("gene_name", "gene_id")
                     for v in _gene_table(o)[c])


def _signs(names) -> tuple[list[str], list[str]]:
    """The names among ``names`` that look like genes, and those that look like antibodies (a sample of 2,000)."""
    names = np.asarray(names).astype(str)
    if len(names) > 2000:
        names = names[np.linspace(0, len(names) - 1, 2000).astype(int)]
    cycle = _cell_cycle_symbols()
    genes = [n for n in names if n.upper() in cycle or _GENE_NAME.match(n)]
    proteins = [n for n in names if _PROTEIN_NAME.search(n) and n.upper() not in cycle]
    return genes, proteins


def content_kind(var_names) -> str | None:
    """What a file's feature names say it holds, for files without ``feature_types``: ``'ATAC'`` (genomic intervals,
    :func:`kind_from_names`), ``'GEX'`` (at least two gene signs, e.g. cell-cycle genes, Ensembl IDs, mitochondrial
    or ribosomal genes, and more of them than antibody signs), ``'ADT'`` (CD markers, TotalSeq or oligo tags,
    isotype controls on at least 30% of at most :data:`MAX_ADT_FEATURES` names, and fewer than two gene signs), or
    None when the names do not tell."""
    names = np.asarray(var_names).astype(str)
    if not len(names):
        return None
    if kind_from_names(names) == "ATAC":
        return "ATAC"
    genes, proteins = _signs(names)
    if len(genes) >= 2 and len(genes) > len(proteins):
        return "GEX"
    if len(genes) < 2 and len(names) <= MAX_ADT_FEATURES and len(proteins) >= max(2, 0.3 * len(names)):
        return "ADT"
    return None


def swapped_pair(paths, mod1_names, mod2_names) -> str | None:
    """The refusal of a competition pair given the wrong way round, read off the feature names of files without
    ``feature_types``: mod1's names are genomic intervals or an antibody panel (by their content, or a small panel
    without intervals) while mod2's look like genes (:func:`content_kind`; or, beyond a panel's size, are neither).
    None when the names do not say so. ``mod2_kind`` skips this guess (the caller does not ask)."""
    content1, content2 = content_kind(mod1_names), content_kind(mod2_names)
    mod1_kind = content1 if content1 in ("ATAC", "ADT") else kind_from_names(mod1_names)
    if content1 == "GEX" or mod1_kind not in ("ATAC", "ADT"):
        return None
    if content2 != "GEX" and (content2 is not None or kind_from_names(mod2_names) is not None):
        return None
    if mod1_kind == "ATAC":
        what = "are genomic intervals (ATAC)"
    elif content1 == "ADT":
        what = f"look like an antibody panel (ADT: {examples(_signs(mod1_names)[1])})"
    else:
        what = "are a small panel without genomic intervals (ADT)"
    genes = _signs(mod2_names)[0]
    what2 = f"look like genes ({examples(genes)})" if content2 == "GEX" else "are neither (genes)"
    return (
        f"mod1 and mod2 look swapped: mod1 {Path(paths[0]).name}'s {len(mod1_names)} feature names {what}, and "
        f"mod2 {Path(paths[1]).name}'s {len(mod2_names)} {what2}; pass the GEX file as mod1 and the "
        f"{mod1_kind} file as mod2"
    )


def not_rna_alone(var: pd.DataFrame) -> str | None:
    """What a file given alone as RNA (``mod1`` without ``mod2``) holds instead, e.g. ``"ADT (14 feature names such as
    'CD3_TotalSeqB', ...)"``; None when it may be RNA (its ``feature_types`` say GEX, or its names do not say ATAC or
    ADT, :func:`content_kind`)."""
    if "feature_types" in var.columns:
        kinds = {normalize_kind(k) for k in pd.unique(var["feature_types"].astype(str)) if str(k).strip().lower() in _ALIASES}
        if len(kinds) > 1:  # a Cell Ranger-like matrix of both modalities: alone as RNA, its other one is lost
            return f"the feature types {describe_types(var['feature_types'])}, both modalities in one matrix"
        kind = None if not kinds or "GEX" in kinds else sorted(kinds)[0]
    else:
        kind = content_kind(var.index)
    if kind not in ("ATAC", "ADT"):
        return None
    return f"{kind} ({len(var)} feature names such as {examples(var.index)})"


#: Names an RNA modality goes by (compared case-insensitively): muon / scanpy ('rna'), Seurat converted by
#: MuDataSeurat or SeuratDisk ('RNA'), the NeurIPS 2021 competition ('GEX').
RNA_NAMES = ("rna", "gex", "mrna", "gene expression", "gene_expression")


def rna_named(names) -> str | None:
    """The first of ``names`` (modality names) named like RNA (:data:`RNA_NAMES`, in any case), else None."""
    return next((n for n in names if str(n).lower() in RNA_NAMES), None)


#: MuData names of a modality of hashtags (cell hashing: HTOs; Cell Ranger's CMOs, feature type 'Multiplexing
#: Capture', the name muon gives that modality), compared case-insensitively.
HASHTAG_NAMES = ("hto", "htos", "hashtag", "hashtags", "multiplexing", "multiplexing capture")


def is_hashtags(name: str, feature_types=None) -> bool:
    """Whether modality ``name`` holds hashtags (cell hashing), which label each cell's sample and are no modality
    jae pairs with RNA: its name is one of :data:`HASHTAG_NAMES`, or every one of its ``feature_types`` (its
    ``var['feature_types']``, or None) is 'Multiplexing Capture'. HTOs typed 'Antibody Capture' are told by name."""
    if str(name).strip().lower() in HASHTAG_NAMES:
        return True
    if feature_types is None:
        return False
    values = pd.unique(np.asarray(feature_types).astype(str))
    return len(values) > 0 and all(v.strip().lower() == "multiplexing capture" for v in values)


def hashtag_modalities(names, types_of=None) -> list[str]:
    """The modalities among ``names`` that hold hashtags (:func:`is_hashtags`); ``types_of(name)``: a modality's
    ``var['feature_types']`` or None (None: names alone). The one rule by which every reader of a MuData or ``.h5mu``
    sets them aside when it chooses the pair (:func:`pick_modalities`, :func:`jae.io.paired.get_paired`, a fitted
    model's embedding)."""
    return [n for n in names if is_hashtags(n, types_of(n) if types_of is not None else None)]


def log_set_aside(where: str, hashtags) -> None:
    """The one log line of the hashtag modalities ``hashtags`` set aside in ``where`` (the data or its file)."""
    if hashtags:
        logger.info("%s: setting aside modality %s, hashtags (cell hashing), which jae does not pair with RNA; their "
                    "demultiplexing results belong in obs columns, e.g. a sample column passed as batch_key "
                    "(--batch-key)", where, ", ".join(repr(str(n)) for n in hashtags))


def held_types(mods):
    """``types_of`` of :func:`hashtag_modalities` for modalities in memory (``{name: AnnData}``): each one's
    ``var['feature_types']``, None where it has none (:func:`stored_types` reads them from a file)."""
    return lambda name: getattr(getattr(mods[name], "var", None), "get", lambda _: None)("feature_types")


def stored_types(f):
    """``types_of`` of :func:`hashtag_modalities` for an open ``.h5mu`` file ``f`` (h5py): each modality's
    ``var['feature_types']`` read alone, None where it has none."""
    return lambda name: var_feature_types(f["mod"][name].get("var"), name=f"modality {name!r}")


def var_feature_types(var, *, name: str = "the file") -> np.ndarray | None:
    """``var['feature_types']`` of a stored ``var`` group (h5py or zarr) read alone, as text; None where it has none or
    holds it in a layout anndata's reader does not know (an old categorical: the modality is then told by its name)."""
    from .elems import read_elem

    if var is None or not hasattr(var, "keys") or "feature_types" not in var:
        return None
    try:
        return np.asarray(read_elem(var["feature_types"])).astype(str)
    except Exception:
        logger.debug("%s: var['feature_types'] not read", name)
        return None


def pick_modalities(file_name: str, available: list[str], rna: str, other: str | None, *,
                    types_of=None, quiet: bool = False, path=None) -> tuple[str, str]:
    """The RNA modality of an ``.h5mu`` file and the one to pair with it: ``rna`` (when it is the default 'rna' and the
    file has no such modality, the one modality named like RNA in another way, e.g. 'RNA' or 'GEX'), and ``other``,
    or the only one left when it is None, modalities of hashtags set aside (:func:`hashtag_modalities`, with
    ``types_of``; one log line); raises naming the available modalities when either is missing or the choice is
    ambiguous, with the fix in the words of the call that reads it (:mod:`jae.io.call_fixes`). ``quiet``: without
    the log lines (an estimate made before the read that says them); ``path``: the file, which the fixes name."""
    if rna not in available and rna == "rna":
        named = [m for m in available if m.lower() in RNA_NAMES]
        if len(named) == 1:
            (logger.debug if quiet else logger.info)(
                "%s has no modality 'rna'; reading %r as the RNA (--rna-mod NAME, or rna= in Python, chooses another)",
                file_name, named[0])
            rna = named[0]
    if rna not in available and rna == "rna" and len(available) == 1:  # e.g. proteins alone: no RNA to name
        read = f"mudata.read_h5mu({'path' if path is None else repr(str(path))})"  # the choices: the entry's call
        memory = memory_call("mudata.read_h5mu({file})", path) or (  # (jae.io.call_fixes), else both models' calls
            f"model.embed({read}) places them, model.map_query({read}) maps them")
        raise KeyError(f"{file_name} holds one modality, {available[0]!r}, and no RNA; jae reads an .h5mu holding RNA, "
                       f"alone or with ATAC or ADT: if {available[0]!r} is the RNA, {argument_fix('rna', path)}; "
                       "to place cells measured in the second modality alone, put them in one .h5mu with cells that "
                       f"have RNA (mosaic data), or read the file into memory: {memory}")
    if rna not in available:
        raise KeyError(f"{file_name} has no modality {rna!r}; available modalities: {available}; "
                       + argument_fix("rna", path))
    if other is None:
        hashtags = hashtag_modalities([m for m in available if m != rna], types_of)
        others = [m for m in available if m != rna and m not in hashtags]
        if not others:
            from .paired import one_modality_message

            held = (f"holds RNA {rna!r} and hashtags {hashtags} (cell hashing, not a modality jae pairs with RNA; "
                    f"if {hashtags[0]!r} holds proteins or peaks, {argument_fix('other', path)})" if hashtags else
                    f"holds one modality {available}")
            raise ValueError(one_modality_message(f"{file_name} {held}", h5mu=True))
        if len(others) != 1:
            raise ValueError(
                f"{file_name} has modalities {available}; cannot tell which one to pair with {rna!r}: "
                + argument_fix("other", path))
        if not quiet:
            log_set_aside(file_name, hashtags)
        return rna, others[0]
    if other not in available:
        raise KeyError(f"{file_name} has no modality {other!r}; available modalities: {available}; "
                       + argument_fix("other", path))
    return rna, other


def h5mu_kinds(rna: str, other: str, rna_var, other_var, *, other_kind: str | None, available) -> str:
    """The second modality's kind of an ``.h5mu`` pairing modality ``rna`` with ``other`` (their ``var`` frames), for
    :func:`jae.io.read_h5mu` and :func:`jae.io.open_h5mu` alike: the modality chosen as RNA is GEX unless its feature
    types say otherwise, and a pair that is not RNA with ATAC or ADT is refused in one line naming the fix."""
    rna_kind, kind = modality_kinds(
        (rna, other), (rna_var, other_var), given=(None if "feature_types" in rna_var.columns else "GEX", other_kind),
        fix=", or " + argument_fix("other_kind", name="'ATAC' or 'ADT'"), argument="other_kind")
    if rna_kind != "GEX":
        raise ValueError(f"modality {rna!r} holds {rna_kind} features, not RNA; "
                         f"{argument_fix('rna', name='<name of the RNA modality>')} (available: {available})")
    if kind == "GEX":
        raise ValueError(f"modality {other!r} is GEX like {rna!r}; jae pairs RNA with ATAC or ADT: "
                         + argument_fix("other", also="other_kind='ATAC' / 'ADT'"))
    return kind
