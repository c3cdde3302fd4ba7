"""``JAE.fit_transformed`` with a ``preprocessor``, ``obs`` or ``X`` of the wrong kind: one line naming the argument.
Before, None or a name as ``preprocessor`` raised "'NoneType' object has no attribute 'n_output'", a numpy array as
``obs`` "'numpy.ndarray' object has no attribute 'columns'" and a list as ``X`` "'list' object has no attribute
'shape'"."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def parts(default_fit):
    model, mdata = default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))
    X = np.random.default_rng(0).normal(size=(mdata.n_obs, model.preprocessor.n_output)).astype(np.float32)
    return model, mdata.obs, X


@pytest.mark.parametrize("preprocessor", [None, "pp"], ids=repr)
def test_preprocessor_of_wrong_kind(parts, preprocessor):
    model, obs, X = parts
    with pytest.raises(TypeError, match=r"^preprocessor must be the jae.Preprocessor that transformed X .*, not "):
        jae.JAE(model.config).fit_transformed(X, obs, preprocessor=preprocessor, progress_bar=False)


def test_obs_not_a_dataframe(parts):
    model, obs, X = parts
    with pytest.raises(TypeError, match=r"^obs must be a pandas DataFrame .*, not ndarray$"):
        jae.JAE(model.config).fit_transformed(X, obs.to_numpy(), preprocessor=model.preprocessor, progress_bar=False)


def test_x_not_an_array(parts):
    model, obs, X = parts
    with pytest.raises(TypeError, match=r"^X must be an array \(n_cells, preprocessor.n_output\).*, not list$"):
        jae.JAE(model.config).fit_transformed(X.tolist(), obs, preprocessor=model.preprocessor, progress_bar=False)
