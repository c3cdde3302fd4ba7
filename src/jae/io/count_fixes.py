"""Values that are no counts: the scan that finds them (:func:`count_faults`, for
:func:`jae.io.validate.validate_counts` and the samples :func:`jae.combine_samples` stacks) and the fixes
:func:`jae.io.validate.validate_counts` says after refusing non-integer values (kept apart from ``jae.io.validate``,
which is at the size limit)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Values scanned at once (bounds the temporaries).
_CHUNK = 1 << 22

#: How to round a matrix ``M`` (the example code of both fixes).
_ROUND = "M.data = numpy.round(M.data) on that sparse matrix (numpy.round(M) for a dense one)"


def with_non_integer_fix(hint: str, off: float, near: bool) -> str:
    """``hint`` (where raw counts go) with :func:`non_integer_fix` after it, or before its last resort when it ends
    with one (``'; or pass baseline=False ...'``, which stays the last thing said). A hint that names the layers the
    data has (``'its layers are [...]'``, :mod:`jae.io.raw`) points at where its raw counts are, so the advice for
    data that keeps none is left out there."""
    if not near and "its layers are [" in hint:
        return hint
    fix = non_integer_fix(off, near)
    head, sep, last = hint.rpartition("; or ")
    return f"{head}{fix}{sep}{last}" if sep and not near else f"{hint}{fix}"


def non_integer_fix(off: float, near: bool) -> str:
    """What to do with non-integer values, said after where raw counts go: ``near`` (every value within ``off`` of a
    whole number) counts stored with rounding error; otherwise data that may keep no raw counts at all (counts
    corrected for ambient RNA, or scaled), which no layer=... can fix: jae takes whole counts only."""
    if near:
        return (f"; if those are counts stored with rounding error (all within {off:.1g} of whole numbers, e.g. after "
                f"a conversion), round them first, e.g. {_ROUND}")
    return ("; if the data keeps no raw counts (only counts corrected for ambient RNA, e.g. by SoupX or CellBender, "
            f"or counts scaled by a factor), jae needs whole numbers: round those counts, e.g. {_ROUND}, and give them "
            "to jae (never round normalised or log values: take the raw counts from where the data came from)")


class CountFaults(NamedTuple):
    """What :func:`count_faults` found among stored values."""

    bad: int  # NaN or infinite
    negative: int
    fractional: int  # non-integer (NaN too)
    example: float | None  # the first non-integer value
    off: float  # the largest distance of a non-integer value from its nearest whole number
    first: float | None  # the first value that is no count (not finite, negative or non-integer)


def count_faults(values: np.ndarray) -> CountFaults:
    """The values of ``values`` (1-d, any numeric dtype; integers scanned as float64) that are no counts, scanned in
    blocks to bound the temporary memory."""
    n_bad = n_neg = n_frac = 0
    example, off, first = None, 0.0, None
    for start in range(0, values.size, _CHUNK):
        block = values[start : start + _CHUNK]
        if not np.issubdtype(block.dtype, np.floating):
            block = np.asarray(block, dtype=np.float64)
        finite, negative = np.isfinite(block), block < 0
        frac = block != np.floor(block)
        n_bad += block.size - int(np.count_nonzero(finite))
        n_neg += int(np.count_nonzero(negative))
        n_frac_block = int(np.count_nonzero(frac))
        if n_frac_block:
            fractional = block[frac]
            example = fractional[0] if example is None else example
            with np.errstate(invalid="ignore"):  # NaN and inf: counted above
                off = max(off, float(np.nanmax(np.abs(fractional - np.round(fractional)), initial=0.0)))
        n_frac += n_frac_block
        if first is None and (n_bad or n_neg or n_frac):
            first = block[np.flatnonzero(~finite | negative | frac)[0]]
    return CountFaults(n_bad, n_neg, n_frac, example, off, first)
