"""``JAE.embed_transformed`` / ``JAE.latent_transformed`` with a ``batch_size`` below 1 or not a whole number: one
line naming the argument. Before, a negative size returned ``np.empty``'s uninitialised memory as the embedding
(``range(0, n, -1)`` encoded no chunk), 0 raised ``range() arg 3 must not be zero`` and 2.5 a bare float error."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def fitted(default_fit):
    model, mdata = default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))
    X = np.random.default_rng(0).normal(size=(5, model.preprocessor.n_output)).astype(np.float32)
    return model, X


@pytest.mark.parametrize("method", ["embed_transformed", "latent_transformed"])
@pytest.mark.parametrize("size", [-1, 0, np.int64(-3)], ids=repr)
def test_size_below_one_refused(fitted, method, size):
    model, X = fitted
    with pytest.raises(ValueError, match=r"^batch_size must be a whole number >= 1 \(the cells encoded at a time\)"):
        getattr(model, method)(X, batch_size=size)


@pytest.mark.parametrize("method", ["embed_transformed", "latent_transformed"])
@pytest.mark.parametrize("size", [2.5, "64", True], ids=repr)
def test_size_not_whole_refused(fitted, method, size):
    model, X = fitted
    with pytest.raises(TypeError, match=r"^batch_size must be a whole number >= 1"):
        getattr(model, method)(X, batch_size=size)


@pytest.mark.parametrize("method", ["embed_transformed", "latent_transformed"])
def test_valid_sizes_agree(fitted, method):
    model, X = fitted
    whole = getattr(model, method)(X)
    assert np.array_equal(getattr(model, method)(X, batch_size=len(X)), whole)  # one chunk: as the default
    np.testing.assert_allclose(getattr(model, method)(X, batch_size=np.int64(2)), whole, rtol=0, atol=1e-5)
