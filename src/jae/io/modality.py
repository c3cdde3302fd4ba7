"""Modality kinds (GEX, ATAC, ADT): detection from feature types or names, and canonical MuData names."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["Kind", "KINDS", "MOD_NAMES", "detect_kind", "feature_kinds", "normalize_kind", "kind_from_names", "pair_from_names",
           "modality_kinds", "MAX_ADT_FEATURES"]

logger = logging.getLogger(__name__)

Kind = Literal["GEX", "ATAC", "ADT"]
KINDS: tuple[str, ...] = ("GEX", "ATAC", "ADT")

#: Short MuData modality names, the scverse convention.
MOD_NAMES: dict[str, str] = {"GEX": "rna", "ATAC": "atac", "ADT": "prot"}

# Spellings seen in the competition files, Cell Ranger (ARC) and MuData objects.
_ALIASES: dict[str, str] = {
    "gex": "GEX", "gene expression": "GEX", "gene_expression": "GEX", "rna": "GEX", "mrna": "GEX", "gene": "GEX",
    "atac": "ATAC", "peaks": "ATAC", "peak": "ATAC", "chromatin accessibility": "ATAC",
    "adt": "ADT", "antibody capture": "ADT", "prot": "ADT", "protein": "ADT", "cite": "ADT",
}


def normalize_kind(value: str) -> str:
    """Map a user-given or file-given modality name (``'Gene Expression'``, ``'peaks'``, ``'adt'``) to a kind.

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
        "pass the kind explicitly, e.g. kind='ATAC'"
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


def detect_kind(adata, *, name: str | None = None) -> str:
    """Detect the kind of one modality from ``var['feature_types']``, falling back to its modality name.

    Parameters
    ----------
    adata
        The modality's AnnData.
    name
        The modality's name in a MuData (``'rna'``, ``'atac'``, ``'prot'``), used when the features carry no
        ``feature_types`` column.

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
            raise ValueError(
                f"modality {name or ''!r} mixes feature types {sorted(values)}; split it into one modality per "
                "feature type (e.g. jae.io.read_10x_h5 does this for Cell Ranger files)"
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
#: Most features a second modality without peak names may have to be read as proteins: antibody panels hold tens to
#: a few hundred antibodies (TotalSeq universal cocktails about 130-280), a peak matrix tens of thousands of peaks.
MAX_ADT_FEATURES = 500


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


def modality_kinds(names, var, *, given=(None, None), fix: str = "") -> list[str]:
    """The kinds of two modalities of a MuData (or ``.h5mu``), ``names`` RNA first where known.

    Each side's kind is ``given`` (e.g. ``other_kind``), else its ``var['feature_types']`` (``var``: two frames), else
    its name when jae knows it (``'rna'``, ``'RNA'``, ``'mRNA'``, ``'atac'``, ``'prot'``, ...); a side still unknown
    is read off the pair's feature names (:func:`pair_from_names`: genomic intervals are ATAC, a small panel ADT, the
    partner of either GEX). Raises one line naming the modality and the fix (``fix`` adds the caller's own) when a
    side stays unknown.
    """
    kinds = []
    for name, frame, kind in zip(names, var, given):
        if kind is not None:
            kinds.append(normalize_kind(kind))
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


def swapped_pair(paths, mod1_names, mod2_names) -> str | None:
    """The refusal of a competition pair given the wrong way round, read off the feature names of files without
    ``feature_types``: mod1's names are genomic intervals or a small panel while mod2's are neither (a gene list);
    None when the names do not say so."""
    mod1_kind, mod2_kind = kind_from_names(mod1_names), kind_from_names(mod2_names)
    if mod1_kind not in ("ATAC", "ADT") or mod2_kind is not None:
        return None
    what = "genomic intervals (ATAC)" if mod1_kind == "ATAC" else "a small panel without genomic intervals (ADT)"
    return (
        f"mod1 and mod2 look swapped: mod1 {Path(paths[0]).name}'s {len(mod1_names)} feature names are {what}, and "
        f"mod2 {Path(paths[1]).name}'s {len(mod2_names)} are neither (genes); pass the GEX file as mod1 and the "
        f"{mod1_kind} file as mod2"
    )
