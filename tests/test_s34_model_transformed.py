"""Session 34: model.latent_transformed / embed_transformed read already-transformed features of any float type."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def model(own_cite_model):
    return own_cite_model("s34_model_transformed")[1]


def _features(model, n=7):
    return np.random.default_rng(0).normal(size=(n, model.readout.mean.shape[0])).astype(np.float32)


def test_float64_features_give_the_float32_features_latent_and_embedding(model):
    X = _features(model)
    Z, E = model.latent_transformed(X), model.embed_transformed(X)
    np.testing.assert_array_equal(model.latent_transformed(X.astype(np.float64)), Z)
    np.testing.assert_array_equal(model.embed_transformed(X.astype(np.float64)), E)
