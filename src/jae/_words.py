"""Words for messages and logs: one way to put a count before a noun."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the number it takes: ``'1 batch'``, ``'3 batches'``, ``'0 cell types'``.

    ``many`` is the plural when it is irregular; by default ``one`` + ``'es'`` after s, x, z, ch or sh, else + ``'s'``.
    """
    if n == 1:
        return f"{n} {one}"
    if many is None:
        many = one + ("es" if one.endswith(("s", "x", "z", "ch", "sh")) else "s")
    return f"{n} {many}"
