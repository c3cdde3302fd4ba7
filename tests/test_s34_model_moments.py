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
