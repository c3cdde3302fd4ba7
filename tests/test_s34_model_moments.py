"""Session 34: jae.model.moments.FeatureMoments.fit refuses rows it cannot take the moments of."""

from __future__ import annotations

import numpy as np
import pytest

from jae.model.moments import FeatureMoments


def test_moments_of_rows_with_nan_are_refused_not_a_nan_gaussian():
    X = np.random.default_rng(0).normal(size=(20, 4))
    fitted = FeatureMoments.fit(X)
    assert np.isfinite(fitted.cov).all() and np.allclose(fitted.mean, X.mean(0))
    X[2, 2:] = np.nan  # a cell not measured in the second modality
    with pytest.raises(ValueError, match=r"X holds NaN or infinite values in the rows used: .*rows="):
        FeatureMoments.fit(X)
    paired = ~np.isnan(X).any(axis=1)
    completed = FeatureMoments.fit(X, paired).conditional_mean(X[2:3, :2], np.arange(2), np.arange(2, 4))
    assert np.isfinite(completed).all()


def test_conditional_mean_of_values_not_the_observed_columns_is_refused_in_one_line():
    X = np.random.default_rng(0).normal(size=(20, 5))
    fitted = FeatureMoments.fit(X)
    observed = np.array([True, True, True, False, False])
    assert fitted.conditional_mean(X[:2, :3], observed, ~observed).shape == (2, 2)
    assert fitted.conditional_mean(np.zeros((2, 0)), np.arange(0), np.arange(5)).shape == (2, 5)
    with pytest.raises(ValueError, match=r"X_obs has shape \(2, 5\): expected the values of the 3 observed columns, "
                                         r"\(n_cells, 3\)"):
        fitted.conditional_mean(X[:2], observed, ~observed)  # every column given, not the observed ones
