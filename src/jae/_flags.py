"""One check of the True/False arguments of jae's public calls (``progress_bar``, ``overwrite``, ``finetune``,
``report``, ``baseline``) and of the ``bool`` fields of its settings: a text such as ``'no'`` or ``'False'`` is
truthy, so it would turn the setting on. Beside it, one test of a whole-number argument (:func:`is_whole`): True is
an int to Python, and 2.5 or '3' would be cut or fail deep inside numpy; and one of a finite number
(:func:`is_finite`)."""

from __future__ import annotations

import numbers

__all__ = ["check_flags", "as_flag", "is_whole", "is_finite"]


def as_flag(name: str, value, *, numbers_too: bool = True) -> bool:
    """``value`` of the True/False argument (or field) ``name`` as a bool: a bool, numpy's bool, or (``numbers_too``)
    a number equal to 0 or 1 (what ``value in (True, False)`` takes).

    Raises
    ------
    TypeError
        ``"<name> must be True or False, not <value!r>"``.
    """
    import numpy as np

    if isinstance(value, (bool, np.bool_)) or (numbers_too and isinstance(value, numbers.Number) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, not {value!r}")


def check_flags(**flags) -> None:
    """Refuse, in one line naming the argument, a value of ``flags`` (argument name -> value) that is not True or
    False (:func:`as_flag`).

    Raises
    ------
    TypeError
        ``"<name> must be True or False, not <value!r>"``.
    """
    for name, value in flags.items():
        as_flag(name, value)


def is_whole(value, minimum: int) -> bool:
    """Whether ``value`` is a whole number (a Python or numpy integer, not a bool) of at least ``minimum``; each
    caller words its own refusal, naming the argument and what it counts."""
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and value >= minimum


def is_finite(value) -> bool:
    """Whether the real number ``value`` is finite as a float: not nan or inf, and an int within a float's range
    (``math.isfinite`` raises OverflowError on a larger one, e.g. ``10**400``)."""
    import math
    import sys

    if isinstance(value, numbers.Integral):
        return abs(value) <= sys.float_info.max
    return math.isfinite(value)
