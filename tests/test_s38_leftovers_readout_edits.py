"""Session 38: a model.json whose readout had ``type_linear`` set to false or ``cycle_directions`` to null (a hand
edit) loaded without the saved classifier / cell-cycle tensors and embedded every cell otherwise, silently; such a
folder is now refused in one line naming the tensors it does not describe."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5, type_cycle_shrink=True), seed=0, device="cpu").fit(
        data, cell_type_key="cell_type", progress_bar=False)
    path = model.save(tmp_path_factory.mktemp("s38_readout") / "model")
    readout = json.loads((path / "model.json").read_text())["readout"]
    assert readout["type_linear"] and readout["cycle_directions"]  # both parts saved
    return data, model, path


def _edited(path, tmp_path, key, value):
    out = tmp_path / key
    shutil.copytree(path, out)
    d = json.loads((out / "model.json").read_text())
    d["readout"][key] = value
    (out / "model.json").write_text(json.dumps(d))
    return out


@pytest.mark.parametrize(("key", "value", "tensors"), [
    ("type_linear", False, "readout.type_coef, readout.type_intercept"),
    ("cycle_directions", None, "readout.cycle_axes, readout.cycle_keep"),
])
def test_readout_tensors_the_description_does_not_describe_are_refused(saved, tmp_path, key, value, tensors):
    _, _, path = saved
    edited = _edited(path, tmp_path, key, value)
    with pytest.raises(ValueError, match=rf"holds the readout tensors {tensors}, which the readout of .* does not "
                                         r"describe .*the model folder is damaged"):
        JAE.load(edited)


def test_the_unedited_folder_loads_with_the_same_embedding(saved):
    data, model, path = saved
    np.testing.assert_array_equal(JAE.load(path).embed(data, key_added=None), model.embed(data, key_added=None))
