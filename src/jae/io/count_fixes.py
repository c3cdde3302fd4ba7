"""The fixes :func:`jae.io.validate.validate_counts` says after refusing non-integer values (kept apart from
``jae.io.validate``, which is at the size limit)."""

from __future__ import annotations

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
