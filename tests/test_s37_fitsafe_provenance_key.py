"""``JAE.provenance(5)`` returned a record with ``obsm_key`` 5 and ``provenance(columns='abc')`` one whose columns were
the letters 'a', 'b', 'c'; both are refused in one line naming the argument."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def model(default_fit):
    return default_fit()[0]  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))


@pytest.mark.parametrize("key, error", [(5, TypeError), (None, TypeError), ("", ValueError), (["X_jae"], TypeError)],
                         ids=repr)
def test_a_key_that_is_no_text_is_refused(model, key, error):
    with pytest.raises(error, match=r"^key_added must name the obsm key .*, not "):
        model.provenance(key)


@pytest.mark.parametrize("columns", ["abc", [1, 2]], ids=repr)
def test_columns_that_are_no_list_of_names_are_refused(model, columns):
    with pytest.raises(TypeError, match=r"^columns must be a list of the embedding's column names"):
        model.provenance("X_jae", columns=columns)


def test_a_text_key_is_recorded_as_given(model):
    assert model.provenance("X")["obsm_key"] == "X"
    assert model.provenance()["columns"] == model.column_names
