"""Session 34 (loose1): one missing (or extra) feature 'is' missing."""

import pytest

from jae.io.features import feature_indexer


def test_one_missing_feature_is_missing():
    expected = [f"g{i}" for i in range(40)]
    with pytest.raises(ValueError, match=r"1 of the model's 40 features is missing \(e.g. 'g39'\) and 1 is extra"):
        feature_indexer(expected[:39] + ["x"], expected, name="data", reference="the model")
    with pytest.raises(ValueError, match=r"2 of the model's 40 features are missing .* and 0 are extra"):
        feature_indexer(expected[:38], expected, name="data", reference="the model")
