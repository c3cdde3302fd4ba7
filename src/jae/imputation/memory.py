"""Memory of a prediction of :func:`jae.impute` and of the layer :func:`jae.imputation.add_imputed_layer` makes of
it, checked against the memory available before they are made (numpy's MemoryError came only when they were, after
the work before them, with a traceback)."""

from __future__ import annotations

import logging

import numpy as np

__all__ = ["check_layer_memory", "check_prediction_memory", "place"]

logger = logging.getLogger(__name__)


def _refuse(need: int, what: str, fix, per_row: int = 1, freed: int = 0) -> None:
    """One line naming ``what`` takes ``need`` bytes and ``fix``, when that exceeds the memory available now
    (:func:`jae.io.plan.available_memory`; nothing is refused when that is unknown) and the ``freed`` bytes released
    before it is made. ``fix``: text, or a function of the number of rows of ``per_row`` bytes that fit (at least 1)
    giving it."""
    from ..io.chunked import format_bytes
    from ..io.plan import available_memory

    available = available_memory()
    available = None if available is None else available + int(freed)
    if available is not None and need > available:
        fix = fix(max(1, available // max(1, per_row))) if callable(fix) else fix
        raise ValueError(f"{what} would take {format_bytes(need, up=True)}, more than the {format_bytes(available)} of "
                         f"memory available: {fix}")


def check_layer_memory(n_obs: int, n_vars: int, modality: str, *, fix: str, freed: int = 0) -> None:
    """Refuse, in one line naming its size and ``fix``, an imputed layer of ``n_obs`` x ``n_vars`` float32 (every cell
    of the modality, NaN for the measured ones) larger than the memory available and ``freed`` (the bytes of an
    earlier prediction it replaces, released before it is made)."""
    _refuse(4 * int(n_obs) * int(n_vars), f"the imputed layer of modality {modality!r} ({int(n_obs):,} cells x "
            f"{int(n_vars):,} features, float32, NaN for the measured cells)", fix, freed=freed)


def check_prediction_memory(model, observed: np.ndarray, index: int, *, fix) -> None:
    """Refuse, in one line naming its size and ``fix`` (a function of the number of cells whose prediction fits), a
    prediction of the model's modality ``index`` (float32, the cells lacking it x the model's features of it, what
    :func:`jae.impute` returns) larger than the memory available; ``observed``: ``(n_cells, 2)``, whether each cell
    has each modality. Said before the prediction is made."""
    n = int((~np.asarray(observed)[:, index]).sum())
    n_vars = len(model.preprocessor.var_names[index])
    _refuse(4 * n * n_vars, f"the prediction of {model.modality_names[index]!r} for the {n:,} cells lacking it "
            f"({n_vars:,} features, float32)", fix, per_row=4 * n_vars)


#: Bytes of the prediction copied at once into a layer (:func:`place`): a few rows of a full ATAC modality.
_BLOCK_BYTES = 2**24


def place(layer: np.ndarray, rows: np.ndarray, cols: np.ndarray, keep: np.ndarray, values: np.ndarray) -> None:
    """``layer[np.ix_(rows, cols[keep])] = values[:, keep]`` (the same values), a block of rows of at most
    ``_BLOCK_BYTES`` at a time: the selected copy of the prediction, made whole at once, was a second copy of it beside
    the layer; every feature kept (the usual case) takes no copy."""
    where = cols[keep]
    every = bool(keep.all())
    block = max(1, _BLOCK_BYTES // max(1, 4 * int(keep.sum())))
    for s in range(0, len(rows), block):
        part = values[s:s + block]
        layer[np.ix_(rows[s:s + block], where)] = part if every else part[:, keep]
