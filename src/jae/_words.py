"""Words for messages and logs: one way to put a count before a noun, one to write a measure beside its threshold,
one to name a value given in place of a column's name, one to shorten a long list of names, and one to list the
columns of a frame where a named one is missing, those close to the name first; one line showing a dataclass
that holds arrays (:func:`fields_line`), and one showing a settings dataclass by the fields set away from their
defaults (:func:`changed_fields_line`)."""

from __future__ import annotations

import difflib
from typing import Literal

__all__ = ["count", "apart", "not_a_key", "with_article", "first_names", "close_names", "did_you_mean", "columns_near",
           "fields_line", "changed_fields_line"]


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the number it takes: ``'1 batch'``, ``'3 batches'``, ``'0 cell types'``.

    ``many`` is the plural when it is irregular; by default ``one`` + ``'es'`` after s, x, z, ch or sh, else + ``'s'``.
    """
    if n == 1:
        return f"{n} {one}"
    if many is None:
        many = one + ("es" if one.endswith(("s", "x", "z", "ch", "sh")) else "s")
    return f"{n} {many}"


def first_names(names, n: int = 5, *, rest: Literal["more", "in all"] = "more") -> str:
    """``names`` (text, as they are to be shown) comma-separated, only the first ``n`` when there are more, followed
    by how many the list leaves out (``rest="more"``: ``'a, b, c, d, e and 7 more'``) or how many it has
    (``rest="in all"``: ``'a, b, c, d, e, ... (12 in all)'``): a list of hundreds of names is said in one line."""
    names = list(names)
    shown = ", ".join(names[:n])
    if len(names) <= n:
        return shown
    return shown + (f" and {len(names) - n} more" if rest == "more" else f", ... ({len(names)} in all)")


def close_names(key, names, n: int = 3) -> list[str]:
    """Up to ``n`` of ``names`` (text) a user may have meant by ``key``, closest first: the same name in another case,
    names within a few letters of it (``'celltype'`` for ``'cell_type'``, difflib's ratio 0.6 or more, case
    ignored), then those holding it whole or held by it (``'donor'`` for ``'donor_id'``)."""
    names = [str(c) for c in names]
    key = str(key)
    lower = {}
    for name in names:
        lower.setdefault(name.lower(), name)
    low = key.lower()
    close = [lower[c] for c in difflib.get_close_matches(low, list(lower), n=n, cutoff=0.6)]
    if len(low) >= 3:
        close += [c for c in names if c not in close and (low in c.lower() or c.lower() in low) and len(c) >= 3]
    return close[:n]


def did_you_mean(key, names) -> str:
    """``"did you mean 'cell_type' or 'author_cell_type'?"``: the :func:`close_names` of ``key``; ``''`` without any."""
    close = close_names(key, names)
    return f"did you mean {' or '.join(map(repr, close))}?" if close else ""


def columns_near(columns, key, n: int = 20) -> str:
    """The columns a refusal of the missing column ``key`` names, those ``key`` may have meant first (:func:`close_names`):
    ``"did you mean 'cell_type'? its columns: ['donor_id', 'assay', ...] and 12 more"``, ``"its columns: none"``. A
    CELLxGENE obs holds some 30 columns, ``cell_type`` past the first 20: a list cut there alone can hide it."""
    columns = [str(c) for c in columns]
    mean = did_you_mean(key, columns)
    mean = f"{mean} " if mean else ""
    if not columns:
        return mean + "its columns: none"
    more = f" and {len(columns) - n} more" if len(columns) > n else ""
    return f"{mean}its columns: {columns[:n]}{more}"


def apart(value: float, bound: float, digits: int = 2) -> tuple[str, str]:
    """``value`` and ``bound`` written with ``digits`` decimals, or with as many more (up to 6) as it takes to tell
    them apart: a carry of 0.8965 beside a threshold of 0.9 reads '0.897 ... below the 0.900', not '0.90 ... below the
    0.90'. Equal values, or ones apart only past 6 decimals, are written with ``digits``."""
    for d in range(digits, 7):
        texts = f"{value:.{d}f}", f"{bound:.{d}f}"
        if texts[0] != texts[1]:
            return texts
    return f"{value:.{digits}f}", f"{bound:.{digits}f}"


def with_article(noun: str) -> str:
    """``noun`` after 'a' or 'an' as its first letter asks ('an AnnData', 'a MuData'): the refusals naming the type of
    an object given in the wrong place."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def not_a_key(value, name: str) -> str:
    """What ``value``, given as the argument ``name`` where an obs column's name goes, is, for the refusal: a pandas
    Series (``obs['cell_type']``: the column itself) with the argument that names it; anything else as its repr, or
    its type and length when that repr is long or spans lines (a Series or an array printed whole: 20 lines)."""
    if hasattr(value, "index") and hasattr(value, "dtype"):  # a pandas Series: the column, not its name
        fix = f"{name}={str(value.name)!r}" if value.name is not None else f"{name}=<the obs column holding it>"
        return f"a pandas Series of {count(len(value), 'value')} (the column itself): pass its name, {fix}"
    text = repr(value)
    if len(text) <= 60 and "\n" not in text:
        return text
    kind = "numpy array" if type(value).__name__ == "ndarray" else type(value).__name__
    return with_article(kind) + (f" of {count(len(value), 'value')}" if hasattr(value, "__len__") else "")


def fields_line(obj) -> str:
    """A dataclass ``obj`` in one line for its repr: each field's value, an array as its dtype and shape
    (``centroids=<float32 6x50>``), a float to 4 significant digits, a list or tuple of over 5 items by its first ones.
    The dataclass's own repr printed every array whole: ``model.calibration`` in a notebook was 100 lines of numbers."""
    from dataclasses import fields

    def shown(value) -> str:
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            return f"<{value.dtype} {'x'.join(str(n) for n in value.shape) or 'scalar'}>"
        if isinstance(value, float):
            return f"{value:.4g}"
        if isinstance(value, (list, tuple)) and len(value) > 5:
            return f"[{first_names((repr(v) for v in value), rest='in all')}]"
        return repr(value)

    shown_fields = (f"{f.name}={shown(getattr(obj, f.name))}" for f in fields(obj) if f.repr)
    return f"{type(obj).__name__}({', '.join(shown_fields)})"


def changed_fields_line(obj) -> str:
    """A settings dataclass ``obj`` as the code that rebuilds it: the fields set away from their defaults only
    (``JAEConfig(max_epochs=3, n_free=10)``; ``JAEConfig()`` for the defaults). The dataclass's own repr named every
    field, a ~780-character line in a notebook cell or a log; ``to_dict()`` still holds them all."""
    from dataclasses import MISSING, fields

    def plain(value):  # a numpy number as Python's, so the text rebuilds it without numpy imported
        return value.item() if type(value).__module__ == "numpy" and hasattr(value, "item") else value

    def default(f):
        return f.default_factory() if f.default is MISSING and f.default_factory is not MISSING else f.default

    changed = (f"{f.name}={plain(getattr(obj, f.name))!r}" for f in fields(obj)
               if f.repr and (f.default is not MISSING or f.default_factory is not MISSING)
               and getattr(obj, f.name) != default(f))
    return f"{type(obj).__name__}({', '.join(changed)})"
