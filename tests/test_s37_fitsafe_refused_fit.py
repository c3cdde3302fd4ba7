"""``JAE.fit_transformed`` refused for an argument on a fitted model left it unfitted: the network was dropped and
the label calibration, voters and adapter cleared before the annotations were read. A refused call leaves the model
as it was (same network, same calibration, same embedding)."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def fitted(default_fit):
    return default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0)), the cells


@pytest.mark.parametrize("kwargs, match", [
    ({"cell_type_key": "no_such_column"}, "no_such_column"),
    ({"batch_key": "no_such_column"}, "no_such_column"),
    ({"phase_keys": ("nope_S", "nope_G2M")}, "nope_S"),
])
def test_a_refused_fit_leaves_the_fitted_model_as_it_was(fitted, kwargs, match):
    model, mdata = fitted
    before = model.embed(mdata, key_added=None)
    network, calibration, voters = model.network, model.calibration, model.voters
    X = np.zeros((mdata.n_obs, model.preprocessor.n_output), np.float32)
    with pytest.raises((KeyError, ValueError), match=match):
        model.fit_transformed(X, mdata.obs, preprocessor=model.preprocessor, progress_bar=False, **kwargs)
    assert model.is_fitted
    assert model.network is network and model.calibration is calibration and model.voters is voters
    np.testing.assert_array_equal(model.embed(mdata, key_added=None), before)
    assert len(model.predict_cell_type(mdata)) == mdata.n_obs


def test_a_fit_that_fails_while_training_still_leaves_no_model(fitted, monkeypatch):
    model, mdata = fitted
    copy = jae.JAE(model.config).fit(mdata, progress_bar=False)

    def broken(*args, **kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(jae.fitting, "train_network", broken)
    X = np.zeros((mdata.n_obs, copy.preprocessor.n_output), np.float32)
    with pytest.raises(RuntimeError, match="stopped"):
        copy.fit_transformed(X, mdata.obs, preprocessor=copy.preprocessor, progress_bar=False)
    assert not copy.is_fitted
