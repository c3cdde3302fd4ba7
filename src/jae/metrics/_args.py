"""Checks of the arguments the evaluation functions share (:func:`jae.evaluate`, :func:`jae.metrics.evaluate_embedding`,
:func:`jae.baseline.svd_baseline`, the report), made before any work: one line naming the argument and the fix."""

from __future__ import annotations

__all__ = ["check_seed"]

#: numpy's and torch's generators take seeds in [0, 2**32).
MAX_SEED = 2**32 - 1


def check_seed(seed, *, name: str = "seed") -> int:
    """``seed`` as an int in ``[0, 2**32)``, refused in one line naming ``name`` when it is no integer
    (:func:`jae.config.as_seed`) or out of range (numpy's generators fail on a negative seed, deep in the work)."""
    from ..config import as_seed

    try:
        value = as_seed(seed)
    except TypeError:
        raise TypeError(f"{name} must be an integer >= 0, not {seed!r}; e.g. {name}=0") from None
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"{name} must be an integer from 0 to 2**32 - 1, not {value}; e.g. {name}=0")
    return value
