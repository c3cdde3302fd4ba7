"""Integer cell-type labels with missing values, as pandas holds them (float64: 1.0, NaN, ...; e.g. cluster ids read
from a CSV, or ``Int64`` turned ``float`` by a join): a fit named the cell types '1.0', '2.0' (the model's
``cell_types``, the embedding's ``cell_type:1.0`` columns, ``predict_cell_type``'s labels) where the same labels as
integers give '1', '2'. Whole-number floats are now read as integers, and NaN stays missing (the cell unlabelled, a
query cell), so the fit is the integer labels' fit bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.labels import whole_number_labels


@pytest.fixture(scope="module")
def fits():
    m = simulate(300, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=3)
    codes = pd.factorize(m.obs["cell_type"], sort=True)[0] + 1  # cluster ids 1..n
    hidden = np.random.default_rng(0).random(m.n_obs) < 0.2  # unlabelled cells: the query
    ints = pd.array(np.where(hidden, 0, codes), dtype="Int64")
    ints[hidden] = pd.NA
    out = {}
    for name, column in {"Int64": ints, "float": ints.astype("float64"),
                         "category": pd.Categorical(ints.astype("float64"))}.items():
        data = m.copy()
        data.obs["cluster"] = column
        model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0).fit(
            data, batch_key="batch", cell_type_key="cluster", progress_bar=False)
        out[name] = (model, model.embed(data, key_added=None),
                     model.predict_cell_type(data, key_added="jae"), data)
    return out, codes, hidden


@pytest.mark.parametrize("kind", ["float", "category"])
def test_float_labels_with_nan_are_named_as_integers(fits, kind):
    out, codes, hidden = fits
    model, emb, labels, data = out[kind]
    names = [str(c) for c in sorted(set(codes[~hidden]))]
    assert sorted(model.cell_types) == sorted(names)  # was ['1.0', '2.0', ...]
    assert [c for c in model.column_names if c.startswith("cell_type:")] == [f"cell_type:{n}" for n in model.cell_types]
    assert set(labels["cell_type"].astype(str)) <= set(names)
    assert set(data.obs["jae_cell_type"].cat.categories) == set(names)
    assert data.obs["cluster"].isna().sum() == hidden.sum()  # the user's column is left as it was
    # NaN cells are the unlabelled query, as with Int64's NA: the same fit, bit for bit
    ref_model, ref_emb, ref_labels, _ = out["Int64"]
    assert model.cell_types == ref_model.cell_types and model.cell_type_values == ref_model.cell_type_values
    np.testing.assert_array_equal(emb, ref_emb)
    assert labels["cell_type"].astype(str).tolist() == ref_labels["cell_type"].astype(str).tolist()


def test_saved_and_loaded_keep_integer_names(fits, tmp_path):
    model = fits[0]["float"][0]
    model.save(tmp_path / "m")
    loaded = jae.JAE.load(tmp_path / "m")
    assert loaded.cell_types == model.cell_types and all(isinstance(v, int) for v in loaded.cell_type_values)


def test_other_float_labels_are_left_alone():
    fractions = pd.Series([0.5, np.nan, 2.0])
    assert whole_number_labels(fractions) is fractions  # not whole numbers: read as they are
    text = pd.Series(["B", None, "T"])
    assert whole_number_labels(text) is text
    huge = pd.Series([2.0 ** 60, 1.0])  # beyond float64's exact integers: left as floats
    assert whole_number_labels(huge) is huge
    assert whole_number_labels(pd.Series([1.0, np.nan, -3.0])).astype(str).tolist() == ["1", "<NA>", "-3"]
