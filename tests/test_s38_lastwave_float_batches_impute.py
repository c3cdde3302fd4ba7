"""jae.impute (method='decoder') with a decoder_batch model fitted with integer batches (0, 1), on data whose batch
column is stored as float (0.0, 1.0): the decoder got no batch (zeros) for every cell, said only at INFO as batches it
was not fitted with. It now warns that they equal the model's batches as numbers, naming the fix; the values are
unchanged."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import jae
from conftest import int_batch_cells  # tests/ is on sys.path


@pytest.fixture(scope="module")
def fitted(int_batch_fit):
    query = int_batch_cells(60, seed=4)
    query.obs_names = "q" + query.obs_names
    return int_batch_fit(), query


def test_impute_warns_of_float_batches_equal_to_the_model_s(fitted, caplog):
    model, query = fitted
    ints = query["rna"].copy()  # the RNA alone, its batches copied in: the decoder predicts the proteins
    ints.obs["batch"] = query.obs["batch"].to_numpy()
    floats = ints.copy()
    floats.obs["batch"] = floats.obs["batch"].astype(float)
    with caplog.at_level(logging.WARNING, logger="jae"):
        got = jae.impute(model, floats, method="decoder")
    assert "equal its batches 0, 1 as numbers" in caplog.text and "decoder gets no batch" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        fixed = jae.impute(model, ints, method="decoder")  # integers: the fitted batches
    assert "as numbers" not in caplog.text
    assert not np.array_equal(np.asarray(got.X), np.asarray(fixed.X))  # the batch reaches the decoder once fixed
