"""Session 38: a model.json whose categories.cell_type list was reordered (a hand edit, or a list pasted from
another model) loaded, and predict_cell_type named each cell by another type's name, silently: the list is read
position by position against the latent units, the voters' codes and the classifier. Every fit writes the cell
types and batches sorted, so a list out of that order is now refused in one line as a damaged folder."""

from __future__ import annotations

import json
import shutil

import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(data, cell_type_key="cell_type",
                                                                           progress_bar=False)
    return data, model, model.save(tmp_path_factory.mktemp("s38_cats") / "model")


@pytest.mark.parametrize("key", ["cell_type", "batch"])
def test_reordered_categories_are_refused(saved, tmp_path, key):
    _, _, path = saved
    edited = tmp_path / key
    shutil.copytree(path, edited)
    d = json.loads((edited / "model.json").read_text())
    names = d["categories"][key]
    assert len(names) >= 2 and names == sorted(names)
    d["categories"][key] = names[::-1]
    (edited / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=rf"categories.{key} is not sorted as every fit writes it .*the model folder "
                                         r"is damaged"):
        JAE.load(edited)


def test_the_saved_folder_loads_with_the_same_labels(saved):
    data, model, path = saved
    assert JAE.load(path).predict_cell_type(data).equals(model.predict_cell_type(data))
