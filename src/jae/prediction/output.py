"""The AnnData a prediction returns, one implementation for :meth:`jae.ModalityPredictor.predict`, :func:`jae.predict`
and ``jae predict``: ``.X`` the predictions, ``obs`` the query cells' own ``obs`` (batch, ...: to split or colour
by), ``var`` the training target's ``var`` (``feature_types`` the target kind), as scanpy's and muon's results keep
the frames of the data they came from. A saved predictor keeps the target's ``var`` columns that ``model.json`` can
hold (:func:`var_record`)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

__all__ = ["prediction_anndata", "query_obs", "target_var", "var_from_record", "var_record"]


def target_var(var: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The training target's ``var`` as predictions carry it: its columns, text names, and ``feature_types`` the
    target ``kind`` as a categorical (as anndata would store it, with a log line)."""
    out = var.copy()
    out.index = pd.Index(out.index.astype(str))
    out["feature_types"] = pd.Categorical([kind] * len(out))
    return out


def var_record(var: pd.DataFrame) -> dict[str, list]:
    """The columns of ``var`` that ``model.json`` holds as lists (booleans, numbers, text, categories as text; NaN as
    null); ``feature_types`` is rebuilt from the target kind, other columns are dropped."""
    out = {}
    for name, column in var.items():
        if name == "feature_types" or not isinstance(name, str):
            continue
        values = column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            out[name] = [None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v for v in values]
        elif all(isinstance(v, str) or v is None or (isinstance(v, float) and np.isnan(v)) for v in values):
            out[name] = [v if isinstance(v, str) else None for v in values]
    return out


def var_from_record(record: dict | None, features: pd.Index, kind: str) -> pd.DataFrame:
    """The target ``var`` of a saved predictor: :func:`var_record`'s columns (none for files written before them)."""
    var = pd.DataFrame({k: _column(v) for k, v in (record or {}).items() if len(v) == len(features)}, index=features)
    return target_var(var, kind)


def _column(values: list):
    """A recorded column as a frame holds it: JSON's nulls of a column with no value (all-NaN numbers, an empty
    category) as NaN, and booleans with nulls as pandas' nullable booleans; read as Python objects, both failed the
    prediction's ``write_h5ad`` ('Can't implicitly convert non-string objects to strings') after predicting."""
    given = [v for v in values if v is not None]
    if not given:
        return np.full(len(values), np.nan)
    if len(given) < len(values) and all(isinstance(v, bool) for v in given):
        return pd.array(values, dtype="boolean")
    return values


def query_obs(query) -> pd.DataFrame:
    """The query cells' ``obs`` (an AnnData's, copied; a :class:`jae.prediction.streamed.SourceFile`'s, read from its
    file without the counts), indexed by the cell names as text."""
    obs = query.read_obs() if hasattr(query, "read_obs") else query.obs.copy()
    obs.index = pd.Index(obs.index.astype(str))
    return obs


def prediction_anndata(X, query, var: pd.DataFrame, uns: dict) -> ad.AnnData:
    """The prediction ``X`` (query cells x target features) with the query's ``obs`` and the target ``var``."""
    return ad.AnnData(X=X, obs=query_obs(query), var=var.copy(), uns=uns)
