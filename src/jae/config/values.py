"""A user's values read and checked (:mod:`jae.config`): seeds and epochs given as arguments, the number fields of a
settings dataclass (:func:`typed_numbers`), and the texts of ``FIELD=VALUE`` overrides (whole numbers with an
exponent, true/false), each refused in one line naming the argument or field."""

from __future__ import annotations

import numbers
from dataclasses import fields

from .._flags import as_flag, is_finite


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
#: How a FIELD=VALUE override writes a value of each field type (JAEConfig.with_overrides' error).
_FORMS = {list: "comma-separated whole numbers", bool: "true or false", int: "a whole number", float: "a number"}


def _whole_number(value: str) -> int:
    """``value`` as an int: digits (``100000``), or a number of whole value in another form (``1e5``, read exactly,
    not through a float); anything else (``1.5e0``, ``nan``) raises ValueError."""
    try:
        return int(value)
    except ValueError:
        from decimal import Decimal, InvalidOperation

        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite() or number.adjusted() >= 4300 or number != number.to_integral_value():
            raise ValueError(value)  # 4300 digits: Python's own cap on int(text); 1e10000000 took minutes to expand
        return int(number)


def _example(default) -> str:
    """A field's default as a FIELD=VALUE override writes it."""
    if isinstance(default, list):
        return ",".join(str(v) for v in default)
    return str(default).lower() if isinstance(default, bool) else str(default)


#: the largest seed: numpy's legacy generators (and scikit-learn's ``random_state``) take seeds in [0, 2**32).
MAX_SEED = 2**32 - 1


def as_seed(seed, *, name: str = "seed") -> int:
    """A user's seed (the argument ``name``) as an int in ``[0, 2**32)`` (numpy integers too), refused in one line
    naming ``name`` when it is no integer (text, a float that ``int`` would cut, None, a bool), negative or too large
    (numpy's generators fail on those deep in the work, and their message does not say which argument was wrong)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {seed!r}; e.g. {name}=0")
    if seed < 0:
        raise ValueError(f"{name} must be an integer >= 0, not {seed}; e.g. {name}=0")
    if seed > MAX_SEED:
        raise ValueError(f"{name} must be at most 2**32 - 1, not {seed}; e.g. {name}=0")
    return int(seed)


def as_epochs(epochs, *, zero: str = "0 skips it", name: str = "epochs") -> int:
    """A user's ``epochs=`` (the argument ``name``) as an int >= 0 (numpy integers too), refused in one line otherwise
    (text, a float that ``int`` would cut, a negative number); ``zero`` says what 0 does."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise TypeError(f"{name} must be a whole number >= 0 ({zero}), not {epochs!r}")
    if epochs < 0:
        raise ValueError(f"{name} must be >= 0 ({zero}), not {epochs}")
    return int(epochs)


def typed_numbers(config) -> None:
    """Check the ``int`` and ``float`` fields of the frozen dataclass ``config`` (a wrong type is named by its field,
    not by the comparison it would break later) and store numpy scalars as Python numbers, which ``model.json``
    holds; a ``bool`` field takes True or False only (numpy's too). A number that is not finite (nan, inf, or an int
    beyond a float's range), in any field or tuple of numbers, is refused naming its field: every comparison with nan
    is False, so range checks let it through to fail in training."""
    for f in fields(config):
        value = getattr(config, f.name)
        items = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, numbers.Real) and not isinstance(v, bool) and not is_finite(v) for v in items):
            what = "a finite number" if items is not value else "finite numbers"
            raise ValueError(f"{f.name} must be {what}, not {value!r}")
        if f.type == "bool":  # a text "false" is truthy: it would turn the setting on; a field takes no 0 or 1
            object.__setattr__(config, f.name, as_flag(f.name, value, numbers_too=False))
        if f.type not in ("int", "float"):
            continue
        whole = f.type == "int"
        if isinstance(value, bool) or not isinstance(value, numbers.Integral if whole else numbers.Real):
            raise TypeError(f"{f.name} must be {'a whole number' if whole else 'a number'}, not {value!r}")
        object.__setattr__(config, f.name, int(value) if whole else float(value))
