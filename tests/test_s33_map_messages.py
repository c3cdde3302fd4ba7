"""Session 33 audit of reference mapping: messages and edge inputs of map_query / jae map."""

from __future__ import annotations

import pandas as pd
import pytest

from jae.io.features import feature_overlap


def test_overlap_just_below_the_threshold_is_not_shown_as_the_threshold():
    """149 of 300 features were refused as '(50%; ...) below the 50%': the share shown read as the threshold itself."""
    expected = pd.Index([f"G{i:03d}" for i in range(300)])
    with pytest.raises(ValueError, match=r"has 149 of the model's 300 features \(49\.6%;.*below the 50%") as err:
        feature_overlap(expected[:149], expected, name="modality 'rna'")
    assert "(50%" not in str(err.value)
    with pytest.raises(ValueError, match=r"has 10 of the model's 300 features \(3%;"):  # far below: whole percent
        feature_overlap(expected[:10], expected, name="modality 'rna'")
    assert len(feature_overlap(expected[:150], expected, name="modality 'rna'").missing) == 150  # at it: accepted
