"""Session 34: jae.model.LatentLayout's block sizes are whole numbers, numpy's included, and never bools."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jae.model import LatentLayout


def test_numpy_integer_sizes_make_the_same_layout_and_write_to_json():
    codes = np.array([0, 2, 1, 2])
    layout = LatentLayout(codes.max() + 1, np.int32(1))  # n_cell_type from label codes: a numpy integer
    assert layout == LatentLayout(3, 1) and layout.dim == 11
    assert json.loads(json.dumps(layout.to_dict())) == {"n_cell_type": 3, "n_batch": 1, "n_phase": 2, "n_free": 5}


@pytest.mark.parametrize("value", [True, False, 3.0, -1, "3"])
def test_a_bool_or_a_value_that_is_not_a_whole_count_is_refused(value):
    with pytest.raises(ValueError, match=rf"LatentLayout.n_cell_type must be a non-negative int, not {value!r}"):
        LatentLayout(value, 1)


def test_column_names_for_another_number_of_categories_say_which_block_and_how_many():
    layout = LatentLayout(3, 2, 2, 1)
    assert layout.column_names(["B", "T", "NK"], ["s1", "s2"])[:5] == [
        "cell_type:B", "cell_type:T", "cell_type:NK", "batch:s1", "batch:s2"]
    with pytest.raises(ValueError, match="2 cell type names for 3 cell-type units, 2 batch names for 2 batch units"):
        layout.column_names(["B", "T"], ["s1", "s2"])
