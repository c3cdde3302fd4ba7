"""The one feature-alignment function of jae, and the short example lists error messages quote."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["examples", "feature_indexer"]

logger = logging.getLogger(__name__)


def examples(values, n: int = 3) -> str:
    """The first ``n`` values, quoted and comma-separated, with ``', ...'`` when there are more."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:n])
    return shown + (", ..." if len(values) > n else "")


def feature_indexer(var_names, expected: pd.Index, *, name: str, reference: str = "the model") -> np.ndarray | None:
    """Columns taking ``var_names`` to the ``expected`` order; None when already in it.

    Used wherever data meets a fitted model's features (the joint model's modalities, the predictor's source).

    Parameters
    ----------
    var_names
        The data's feature names.
    expected
        The features the model was fitted on, in its order.
    name, reference
        How the error and log messages call the data and the model (e.g. ``"modality 'rna'"``, ``"the model"``).

    Returns
    -------
    ``(len(expected),)`` int array of column positions, or None when ``var_names`` already equals ``expected``.

    Raises
    ------
    ValueError
        When the feature sets differ (naming the missing and extra features) or the names are duplicated.
    """
    var_names, expected = pd.Index(var_names), pd.Index(expected)
    if var_names.equals(expected):
        return None
    missing, extra = expected.difference(var_names), var_names.difference(expected)
    if len(missing) or len(extra):
        raise ValueError(
            f"{name} features differ from {reference}'s: {len(missing)} of {reference}'s {len(expected)} features "
            f"are missing (e.g. {examples(missing)}) and {len(extra)} are extra (e.g. {examples(extra)}); pass the "
            "features the model was fitted on (data[:, model_var_names]), or refit after subsetting both to their "
            "shared features"
        )
    if var_names.has_duplicates:
        raise ValueError(f"{name} has duplicated feature names; make var_names unique first")
    logger.info("%s has %s's features in another order; reordering them", name, reference)
    return var_names.get_indexer(expected)
