"""Session 34 (loose1): softmax on rows without probabilities."""

import numpy as np
import pytest

from jae.model.readout import softmax


def test_softmax_refuses_rows_without_probabilities_and_keeps_valid_rows():
    good = np.array([[0.0, 1.0, -np.inf], [3.0, 2.0, 1.0]])
    p = softmax(good)
    z = np.exp(good - good.max(axis=1, keepdims=True))
    np.testing.assert_array_equal(p, (z / z.sum(axis=1, keepdims=True)).astype(np.float32))
    for bad in (np.inf, np.nan):
        with pytest.raises(ValueError, match=r"1 of 2 rows with NaN, \+inf or only -inf.*row 1"):
            softmax(np.array([[0.0, 1.0, 2.0], [0.0, bad, 1.0]]))
    with pytest.raises(ValueError, match="only -inf"):
        softmax(np.full((1, 3), -np.inf))

