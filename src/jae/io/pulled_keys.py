"""A model's batch column named as MuData names a modality's ``obs`` column once pulled into ``mdata.obs``
(``'rna:batch'``: a model fitted on a MuData built by ``mudata.MuData(...)``), found in a query whose ``obs`` holds
that modality's column by its own name (``'batch'``), as jae reads a modality's columns (``jae.read_h5mu``,
``jae map``'s files and a dict of AnnData pull none): so :meth:`jae.JAE.map_query`, ``jae map``,
:meth:`jae.JAE.embed` and :meth:`jae.JAE.predict_cell_type` take the query in the layout the reference had.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["pulled_column", "with_model_keys", "model_keys"]


def model_keys(model) -> list[str]:
    """The batch columns ``model`` reads new cells by: the one ``fit`` read and the one its mappings read."""
    adapter = getattr(model, "adapter", None)
    keys = [getattr(model, "batch_key", None), None if adapter is None else adapter.batch_key]
    return [k for k in keys if isinstance(k, str)]


def _modality_names(data) -> set[str]:
    """The names of ``data``'s modalities where its ``obs`` does not say which modality a column came from: files
    (their modalities as jae names them, and as the file names them)."""
    names = {str(n) for n in getattr(data, "names", None) or ()}
    loader = getattr(data, "loader", None) or ()
    kwargs = loader[1] if len(loader) > 1 and isinstance(loader[1], Mapping) else {}
    return names | {v for k, v in kwargs.items() if k in ("rna", "other", "modality") and isinstance(v, str)}


def pulled_column(data, obs: pd.DataFrame, key) -> str | None:
    """The column of ``obs`` (``data``'s, as :func:`jae.io.cell_obs.cell_obs` reads it) that holds ``key`` when
    ``obs`` lacks ``key`` itself and ``key`` is ``'<modality>:<column>'`` of a modality of ``data`` holding
    ``<column>``, whose values ``obs[<column>]`` keeps (not another modality's or the global obs's, which
    :data:`jae.io.cell_obs.DROPPED` records); None otherwise."""
    from .cell_obs import DROPPED

    if not isinstance(key, str) or obs is None or key in obs.columns:
        return None
    mod, colon, column = key.partition(":")
    if not colon or not column or column not in obs.columns:
        return None
    if mod in ((getattr(obs, "attrs", None) or {}).get(DROPPED) or {}).get(column, ()):
        return None  # obs[column] holds other values than the modality's
    mods = data if isinstance(data, Mapping) else getattr(data, "mod", None)
    if isinstance(mods, Mapping):
        held = getattr(mods.get(mod), "obs", None)
        return column if isinstance(held, pd.DataFrame) and column in held.columns else None
    return column if mod in _modality_names(data) else None


def with_model_keys(data, obs: pd.DataFrame | None, keys) -> pd.DataFrame | None:
    """``obs`` (a copy) holding also each of ``keys`` (a model's batch columns, :func:`model_keys`) found by
    :func:`pulled_column`, under that name; ``obs`` itself when there is none to add."""
    found = {k: c for k in dict.fromkeys(keys or ()) if (c := pulled_column(data, obs, k))}
    if not found:
        return obs
    out = obs.copy()
    for key, column in found.items():
        out[key] = obs[column]
    return out
