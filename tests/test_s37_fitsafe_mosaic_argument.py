"""``JAE.fit_transformed(..., mosaic=<not a MosaicInput>)`` failed in the middle of the fit ("'str' object has no
attribute 'subset'"), dropping a fitted model's network. It is refused first, in one line, the model left as it was."""

from __future__ import annotations

import numpy as np
import pytest

from jae.mosaic import MosaicInput


@pytest.fixture(scope="module")
def fitted(default_fit):
    return default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0)), the cells


def test_a_mosaic_of_the_wrong_kind_is_refused_first(fitted):
    model, mdata = fitted
    X = np.zeros((mdata.n_obs, model.preprocessor.n_output), np.float32)
    with pytest.raises(TypeError, match=r"^mosaic must be a jae\.mosaic\.MosaicInput .*, not str$"):
        model.fit_transformed(X, mdata.obs, preprocessor=model.preprocessor, mosaic="yes", progress_bar=False)
    assert model.is_fitted


def test_a_mosaic_of_other_cells_is_refused_first(fitted):
    model, mdata = fitted
    X = np.zeros((mdata.n_obs, model.preprocessor.n_output), np.float32)
    mosaic = MosaicInput(np.ones((5, 2), bool), X[:5], tuple(model.preprocessor.widths))
    with pytest.raises(ValueError, match=r"^mosaic\.observed has shape \(5, 2\), not \(300, 2\)"):
        model.fit_transformed(X, mdata.obs, preprocessor=model.preprocessor, mosaic=mosaic, progress_bar=False)
    assert model.is_fitted
