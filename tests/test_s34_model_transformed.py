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


def test_features_of_another_width_are_refused_naming_the_width_the_network_reads(model):
    X = _features(model)
    n_input = X.shape[1]
    with pytest.raises(ValueError, match=rf"features have shape \(7, {n_input - 1}\): this network reads "
                                         rf"\(n_cells, {n_input}\), the model's transformed features"):
        model.latent_transformed(X[:, 1:])
    with pytest.raises(ValueError, match=rf"features have shape \(7, {n_input + 1}\)"):
        model.embed_transformed(np.hstack([X, X[:, :1]]))


def test_decoding_the_embedding_in_place_of_the_latent_is_refused_naming_the_latent(model):
    import torch

    X = _features(model)
    Z, E = model.latent_transformed(X), model.embed_transformed(X)
    assert E.shape[1] != Z.shape[1]
    with torch.no_grad():
        assert model.network.decode(torch.as_tensor(Z)).shape == (7, X.shape[1])
        with pytest.raises(ValueError, match=rf"latent has shape \(7, {E.shape[1]}\): this network decodes "
                                             rf"\(n_cells, {Z.shape[1]}\), the whole latent \(model.latent\)"):
            model.network.decode(torch.as_tensor(E))
