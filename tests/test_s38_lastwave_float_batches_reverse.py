"""The float-vs-integer batch warning (fdd9af3) the other way round: a model fitted on a float batch column ('0.0',
'1.0') and a query of integers (0, 1). Its fix said obs['batch'].astype(int).astype(str), which gives '0' again, still
not the model's '0.0'; it now says .astype(float).astype(str), which does."""

from __future__ import annotations

import logging

import pandas as pd

from jae.mapping.batches import warn_numeric_twins


def test_integers_beside_a_float_model_get_the_float_fix(caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        warn_numeric_twins(["0", "1"], ["0.0", "1.0"], "batch", what="they are mapped as new batches")
    assert "obs['batch'] = obs['batch'].astype(float).astype(str)" in caplog.text
    fixed = pd.Series([0, 1]).astype(float).astype(str)  # the line it gives: the model's names
    assert list(fixed) == ["0.0", "1.0"]


def test_floats_beside_an_integer_model_keep_the_integer_fix(caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        warn_numeric_twins(["0.0", "1.0"], ["0", "1"], "batch", what="they are mapped as new batches")
    assert "obs['batch'] = obs['batch'].astype(int).astype(str)" in caplog.text
