"""Cell-type labels that are one name typed two ways (``'B cell'`` and ``'B cell '``, a doubled blank, ``'ü'`` as one
character or two): each is learnt by fit and scored by evaluate as a type of its own, so both warn, naming them."""

from __future__ import annotations

import logging
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["blank_variants", "warn_blank_variants"]

logger = logging.getLogger(__name__)


def _canonical(name: str) -> str:
    """``name`` in Unicode's composed form (NFC), its blanks stripped and each run of them one space."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def blank_variants(values) -> list[list[str]]:
    """The groups of distinct labels among ``values`` (missing values left out) that differ only in blanks (leading,
    trailing or repeated) or in Unicode composition, each sorted, e.g. ``[['A', 'A ']]``; ``[]`` when none do."""
    present = pd.Series(np.asarray(values, dtype=object), dtype=object).dropna()
    groups: dict[str, list[str]] = {}
    for name in pd.unique(present.astype(str)):  # each distinct label once: cheap at a million cells
        groups.setdefault(_canonical(name), []).append(name)
    return [sorted(group) for group in groups.values() if len(group) > 1]


def warn_blank_variants(values, key: str | None, use: str) -> None:
    """Warn, naming them and the fix, when labels of ``obs[key]`` differ only in blanks or Unicode composition;
    ``use`` says what happens to them (``'learnt'``, ``'scored'``)."""
    groups = blank_variants(values)
    if not groups:
        return
    shown = "; ".join(" / ".join(repr(name) for name in group) for group in groups[:3])
    more = f" and {len(groups) - 3} more" if len(groups) > 3 else ""
    logger.warning(
        "obs[%r] holds cell types that differ only in blanks or in how their letters are encoded: %s%s; they are %s "
        "as different types; if each group is one type, make its labels equal first: obs[%r] = obs[%r].str."
        "normalize('NFC').str.split().str.join(' ')", key, shown, more, use, key, key)
