"""One check of the True/False arguments of jae's public calls (``progress_bar``, ``overwrite``, ``finetune``,
``report``, ``baseline``): a text such as ``'no'`` or ``'False'`` is truthy, so it would turn the setting on."""

from __future__ import annotations

import numbers

__all__ = ["check_flags"]


def check_flags(**flags) -> None:
    """Refuse, in one line naming the argument, a value of ``flags`` (argument name -> value) that is not True or
    False: a bool, numpy's bool, or a number equal to 0 or 1 (what ``value in (True, False)`` takes).

    Raises
    ------
    TypeError
        ``"<name> must be True or False, not <value!r>"``.
    """
    import numpy as np

    for name, value in flags.items():
        if isinstance(value, (bool, np.bool_)):
            continue
        if isinstance(value, numbers.Number) and value in (0, 1):
            continue
        raise TypeError(f"{name} must be True or False, not {value!r}")
