"""jae.impute (method='decoder') with a decoder_batch model fitted with integer batches (0, 1), on data whose batch
column is stored as float (0.0, 1.0): the decoder got no batch (zeros) for every cell, said only at INFO as batches it
was not fitted with. It now warns that they equal the model's batches as numbers, naming the fix; the values are
unchanged."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate


def _int_batches(m):
    m.obs["batch"] = m.obs["batch"].cat.codes.astype(int).to_numpy()
    for mod in m.mod.values():
        if "batch" in mod.obs:
            del mod.obs["batch"]
    return m


@pytest.fixture(scope="module")
def fitted():
    ref = _int_batches(simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1))
    model = JAE(JAEConfig(max_epochs=1, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(ref, progress_bar=False)
    query = _int_batches(simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=4))
    query.obs_names = "q" + query.obs_names
    return model, query


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
