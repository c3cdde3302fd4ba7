"""One check of the True/False arguments of jae's public calls (``progress_bar``, ``overwrite``, ``finetune``,
``report``, ``baseline``) and of the ``bool`` fields of its settings: a text such as ``'no'`` or ``'False'`` is
truthy, so it would turn the setting on. Beside it, one test of a whole-number argument (:func:`is_whole`): True is
an int to Python, and 2.5 or '3' would be cut or fail deep inside numpy; and one of a finite number
(:func:`is_finite`); and one of the ``layer`` argument that names where the raw counts are (:func:`check_layer`);
and tqdm's own switch for every progress bar, the environment's ``TQDM_DISABLE`` (:func:`bars_off`)."""

from __future__ import annotations

import numbers
import os

__all__ = ["check_flags", "as_flag", "is_whole", "is_finite", "check_layer", "bars_off"]


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


def check_layer(layer) -> None:
    """Refuse, in one line, a ``layer`` argument that is neither a layer's name nor None: a list, a tuple or a number
    would otherwise fail deep inside anndata ("unhashable type: 'list'") or be reported as a layer the data lacks.

    Raises
    ------
    TypeError
        ``"layer must be ... not <value!r>"``.
    """
    if layer is None or isinstance(layer, str):
        return
    raise TypeError(f"layer must name the layer with the raw counts (a string, e.g. layer='counts'), 'raw' for .raw "
                    f"or None for .X, not {layer!r}")


def bars_off() -> bool:
    """Whether the environment turns every tqdm bar off (``TQDM_DISABLE`` set to anything but ``''``, ``0``,
    ``false`` or ``no``), as a scanpy or scvi-tools pipeline sets it for logs. jae's bars pass ``disable`` themselves,
    which overrides tqdm's reading of the variable, so each reads it here."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")
