"""Memory of a prediction of :func:`jae.impute` and of the layer :func:`jae.imputation.add_imputed_layer` makes of
it, checked against the memory available before they are made (numpy's MemoryError came only when they were, after
the work before them, with a traceback)."""

from __future__ import annotations

import logging


__all__ = ["check_layer_memory"]

logger = logging.getLogger(__name__)


def _refuse(need: int, what: str, fix: str) -> None:
    """One line naming ``what`` takes ``need`` bytes and ``fix``, when that exceeds the memory available now
    (:func:`jae.io.plan.available_memory`; nothing is refused when that is unknown)."""
    from .io.chunked import format_bytes
    from .io.plan import available_memory

    available = available_memory()
    if available is not None and need > available:
        raise ValueError(f"{what} would take {format_bytes(need, up=True)}, more than the {format_bytes(available)} of "
                         f"memory available: {fix}")


def check_layer_memory(n_obs: int, n_vars: int, modality: str, *, fix: str) -> None:
    """Refuse, in one line naming its size and ``fix``, an imputed layer of ``n_obs`` x ``n_vars`` float32 (every cell
    of the modality, NaN for the measured ones) larger than the memory available."""
    _refuse(4 * int(n_obs) * int(n_vars), f"the imputed layer of modality {modality!r} ({int(n_obs):,} cells x "
            f"{int(n_vars):,} features, float32, NaN for the measured cells)", fix)
