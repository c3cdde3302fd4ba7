"""The modality kinds (GEX, ATAC, ADT) by name, their MuData names and the most features read as proteins: constants
without numpy or pandas, which the command line's help names before anything heavy is imported. Detection from
feature types or names lives in :mod:`jae.io.modality`."""

from __future__ import annotations

from typing import Literal

__all__ = ["Kind", "KINDS", "MOD_NAMES", "MAX_ADT_FEATURES"]

Kind = Literal["GEX", "ATAC", "ADT"]
KINDS: tuple[str, ...] = ("GEX", "ATAC", "ADT")

#: Short MuData modality names, the scverse convention.
MOD_NAMES: dict[str, str] = {"GEX": "rna", "ATAC": "atac", "ADT": "prot"}

#: Most features a second modality without peak names may have to be read as proteins: antibody panels hold tens to
#: a few hundred antibodies (TotalSeq universal cocktails about 130-280), a peak matrix tens of thousands of peaks.
MAX_ADT_FEATURES = 500
