"""Session 38: setting config.type_linear to false in model.json (to turn the readout's linear classifier off) loaded
the model with the classifier still in use and model.config saying it was off, silently; a refit from model.config
then differed. It is now refused in one line, as the other config-against-weights edits are."""

from __future__ import annotations

import json
import shutil

import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(data, cell_type_key="cell_type",
                                                                           progress_bar=False)
    return model.save(tmp_path_factory.mktemp("s38_tl") / "model")


def test_type_linear_edited_off_is_refused(saved, tmp_path):
    edited = tmp_path / "edited"
    shutil.copytree(saved, edited)
    d = json.loads((edited / "model.json").read_text())
    assert d["readout"]["type_linear"] is True and d["config"]["type_linear"] is True
    d["config"]["type_linear"] = False
    (edited / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"its config says type_linear=False, but its readout holds the linear "
                                         r"classifier .*; the file was edited or comes from another model"):
        JAE.load(edited)
    assert JAE.load(saved).config.type_linear is True
