"""JAEConfig's warning of settings its mode does not read (:mod:`jae.config`): ``JAEConfig(mode='unsupervised',
n_free=10)`` would fit with ``n_free_unsupervised``, so the field it reads instead is named, as Python writes it or as
the ``FIELD=VALUE`` override it came as; quiet while JAEConfig's own methods build configs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from .values import _example

logger = logging.getLogger("jae.config")  # the package's: said as JAEConfig's own warnings, as before the split


#: Fields read in supervised mode -> their counterparts read in unsupervised mode (a config warns of the other).
_MODE_FIELDS = {"n_free": "n_free_unsupervised", "readout": "readout_unsupervised",
                "protein_norm": "protein_norm_unsupervised"}
#: Fields one mode reads with no counterpart in the other: the mode that does not read them -> field -> why.
_ONE_MODE = {"unsupervised": dict.fromkeys(("w_cell_type", "type_balance", "type_linear", "type_cycle_shrink"),
                                             "no cell-type block"),
             "supervised": {"epoch_tolerance_unsupervised": "its whole epochs stop at any decrease"}}
#: True while JAEConfig's own methods build configs (from_dict: a saved model's; with_overrides, which says it).
_QUIET_UNREAD: ContextVar[bool] = ContextVar("jae_config_quiet_unread", default=False)


def _unread_pairs(mode: str) -> dict:
    """Fields ``mode`` does not read -> the ones it reads instead."""
    return _MODE_FIELDS if mode == "unsupervised" else {v: k for k, v in _MODE_FIELDS.items()}


def _warn_unread(mode: str, values: Mapping, *, python: bool) -> None:
    """Warn of each field of ``values`` (name -> value) that ``mode`` does not read, naming the one it reads instead:
    written as Python writes it (``JAEConfig: n_free=10``, a text in quotes) when ``python``, else as the
    ``FIELD=VALUE`` override it came as."""
    pairs, lone = _unread_pairs(mode), _ONE_MODE.get(mode, {})
    for key in [k for k in values if k in pairs or k in lone]:
        value = repr(values[key]) if python else _example(values[key])  # as typed: type_linear=false
        fix = f" ({lone[key]}): leave it out" if key in lone else f", which reads {pairs[key]}: set {pairs[key]}={value}"
        logger.warning("%s%s=%s is not read in %s mode%s", "JAEConfig: " if python else "", key, value, mode, fix)


@contextmanager
def _quiet_unread():
    token = _QUIET_UNREAD.set(True)
    try:
        yield
    finally:
        _QUIET_UNREAD.reset(token)
