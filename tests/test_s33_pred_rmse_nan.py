"""jae.metrics.rmse / mae / pearson given a y_true with NaN rows (cells not measured in the target, as a mosaic
MuData holds them) said 'NaN or infinite values; predict finite values for every entry', blaming the prediction;
the message now names the argument that holds them and the fix for it."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.mark.parametrize("metric", [jae.metrics.rmse, jae.metrics.mae, jae.metrics.pearson])
def test_nan_in_y_true_is_named_as_such(metric):
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.random((6, 4)), rng.random((6, 4))
    y_true[2] = np.nan  # an unmeasured cell
    with pytest.raises(ValueError, match=r"^prediction metrics: y_true has NaN or infinite values; score only the "
                                         r"cells measured in every feature \(leave the others out of y_true and y_pred\)$"):
        metric(y_true, y_pred)
    keep = np.isfinite(y_true).all(1)
    assert np.isfinite(metric(y_true[keep], y_pred[keep]))  # the fix works


def test_nan_in_y_pred_is_named_as_such():
    y_true, y_pred = np.ones((3, 2)), np.ones((3, 2))
    y_pred[1, 1] = np.inf
    with pytest.raises(ValueError, match=r"^prediction metrics: y_pred has NaN or infinite values; predict finite "
                                         r"values for every entry$"):
        jae.metrics.rmse(y_true, y_pred)
    assert jae.metrics.rmse(y_true, np.ones((3, 2))) == 0.0


@pytest.mark.parametrize("metric", ["rmse", "mae", "pearson"])
def test_values_that_are_no_real_numbers_are_named_as_such(metric):
    """Text in y_true failed with numpy's "could not convert string to float", and complex values were scored on
    their real part with only numpy's warning; both are now refused naming the argument. Numbers stored as objects
    are still scored."""
    score = getattr(jae.metrics, metric)
    ones = np.ones((3, 2))
    with pytest.raises(TypeError, match=r"y_true holds <U3 values, not real numbers"):
        score(np.full((3, 2), "abc"), ones)
    with pytest.raises(TypeError, match=r"y_pred holds complex128 values, not real numbers"):
        score(ones, ones + 1j)
    y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    assert score(y.astype(object), y) == score(y, y)
