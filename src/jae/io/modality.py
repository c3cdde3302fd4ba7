"""Modality kinds (GEX, ATAC, ADT): detection from feature types or names, and canonical MuData names."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["Kind", "KINDS", "MOD_NAMES", "detect_kind", "normalize_kind"]

Kind = Literal["GEX", "ATAC", "ADT"]
KINDS: tuple[str, ...] = ("GEX", "ATAC", "ADT")

#: Short MuData modality names, the scverse convention.
MOD_NAMES: dict[str, str] = {"GEX": "rna", "ATAC": "atac", "ADT": "prot"}

# Spellings seen in the competition files, Cell Ranger (ARC) and MuData objects.
_ALIASES: dict[str, str] = {
    "gex": "GEX", "gene expression": "GEX", "rna": "GEX", "gene": "GEX",
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
