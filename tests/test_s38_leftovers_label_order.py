"""Session 38: jae_cell_type's categories came out sorted, losing the order a user set on the reference's categorical
labels (e.g. by lineage); the model now keeps that order (model.json ``categories.cell_type_order``) and predicts in
it, the labels themselves unchanged. Files without it give sorted categories, as before."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.labels.transfer import _categorical, label_categories, label_order


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    data = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    names = sorted(pd.unique(data.obs["cell_type"].astype(str)))
    order = names[::-1]
    data.obs["cell_type"] = pd.Categorical(data.obs["cell_type"].astype(str), categories=["absent", *order])
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(data, cell_type_key="cell_type",
                                                                           progress_bar=False)
    path = model.save(tmp_path_factory.mktemp("s38_order") / "model")
    return data, model, path, order


def test_predictions_keep_the_reference_category_order(fitted):
    data, model, path, order = fitted
    labels = model.predict_cell_type(data)
    assert list(labels["cell_type"].cat.categories) == order  # the reference's order, its unused 'absent' left out
    assert model.cell_types == sorted(order)  # the embedding's columns and the codes stay sorted
    assert json.loads((path / "model.json").read_text())["categories"]["cell_type_order"] == order
    loaded = JAE.load(path)
    again = loaded.predict_cell_type(data)
    assert list(again["cell_type"].cat.categories) == order
    pd.testing.assert_frame_equal(again, labels)


def test_a_file_without_the_order_predicts_sorted_categories_with_the_same_labels(fitted, tmp_path):
    data, model, path, order = fitted
    old = tmp_path / "old"
    shutil.copytree(path, old)
    d = json.loads((old / "model.json").read_text())
    del d["categories"]["cell_type_order"]
    (old / "model.json").write_text(json.dumps(d))
    labels = JAE.load(old).predict_cell_type(data)
    assert list(labels["cell_type"].cat.categories) == sorted(order)
    new = model.predict_cell_type(data)
    assert (labels["cell_type"].astype(str) == new["cell_type"].astype(str)).all()
    np.testing.assert_array_equal(labels["confidence"], new["confidence"])


def test_an_edited_order_that_is_not_the_cell_types_is_refused_in_one_line(fitted, tmp_path):
    _, _, path, order = fitted
    bad = tmp_path / "bad"
    shutil.copytree(path, bad)
    d = json.loads((bad / "model.json").read_text())
    d["categories"]["cell_type_order"] = order[:-1]
    (bad / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"categories.cell_type_order is not the cell types in an order .*damaged"):
        JAE.load(bad)


def test_numeric_labels_keep_their_categorical_order():
    labels = pd.Series(pd.Categorical([2, 0, 1, 10, 0], categories=[10, 2, 0, 1]))
    names, values = label_categories(labels)
    order = label_order(labels, names, values)
    assert order == ["10", "2", "0", "1"]
    model = SimpleNamespace(cell_types=names, cell_type_values=values, cell_type_order=order)
    out = _categorical(model, np.array([0, 1, 2, 3]))
    assert list(out.categories) == [10, 2, 0, 1]
    assert sorted(out.astype(int)) == sorted(values)
    plain = pd.Series(pd.Categorical([2, 0, 1, 10], categories=[0, 1, 2, 10]))  # numeric order: nothing kept
    assert label_order(plain, *label_categories(plain)) is None
    assert label_order(pd.Series(["b", "a"]), ["a", "b"], None) is None  # text, not categorical: sorted as before
