"""Session 37: a model.json whose config was edited by hand to disagree with the weights (n_free, n_phase, the mode's
readout, n_svd below the SVD components saved, the mode against the cell-type block) loaded silently: the model's
config then said one thing while its network and readout did another (an edited mode even changed the embedding).
Such a file is now refused in one line naming the field and the fix; files a fit writes load as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.cli import main
from jae.datasets import simulate

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def _edited(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    edit(d["config"])
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("field, value, said", [
    ("n_free", 10, "n_free=10, but its latent layout has 30 free units"),
    ("n_phase", 0, "n_phase=0, but its latent layout has 2 phase units"),
    ("readout", "latent", "readout='latent', but the readout it holds is 'principal'"),
    ("readout", "components", "readout='components', but the readout it holds is 'principal'"),
    ("n_svd", 4, "n_svd=4, but its weights hold 8 SVD components of a modality"),
    ("mode", "unsupervised", "mode='unsupervised', but its latent layout has 3 cell types"),
])
def test_a_config_edited_against_the_weights_is_refused(tmp_path, field, value, said):
    folder = _edited(tmp_path, lambda c: c.__setitem__(field, value))
    with pytest.raises(ValueError) as err:
        JAE.load(folder, device="cpu")
    assert str(err.value) == (f"{folder / 'model.json'}: its config says {said}; the file was edited or comes from "
                              "another model: copy the model folder again or refit the model")


def test_the_cli_says_it_in_one_line(tmp_path, caplog):
    folder = _edited(tmp_path, lambda c: c.__setitem__("n_free", 10))
    (tmp_path / "cells.h5mu").write_bytes(b"")  # never read: the model is refused first
    code = main(["-q", "embed", "--model", str(folder), "--h5mu", str(tmp_path / "cells.h5mu"),
                 "--out", str(tmp_path / "e.h5ad")])
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert code == 1 and len(errors) == 1 and "its config says n_free=10" in errors[0] and "refit it with jae fit" in errors[0]


def test_fields_the_mode_does_not_read_are_not_compared(tmp_path):
    folder = _edited(tmp_path, lambda c: c.update(n_free_unsupervised=7, readout_unsupervised="latent", n_svd=20))
    assert JAE.load(folder, device="cpu").layout.n_free == 30


@pytest.mark.parametrize("mode, readout", [("unsupervised", "components"), ("unsupervised", "latent"),
                                           ("supervised", "components")])
def test_a_fitted_model_still_loads_and_embeds_the_same(tmp_path, mode, readout):
    data = simulate(120, kind="cite", n_genes=200, n_proteins=8, n_batches=2, seed=0)
    key = "readout" if mode == "supervised" else "readout_unsupervised"
    model = JAE(JAEConfig(mode=mode, max_epochs=1, n_svd=6, **{key: readout}), seed=0, device="cpu")
    model.fit(data, progress_bar=False)
    model.save(tmp_path / "m")
    loaded = JAE.load(tmp_path / "m", device="cpu")
    assert np.array_equal(loaded.embed(data, key_added=None),
                          model.embed(data, key_added=None))
