"""Session 38: editing config.protein_norm in a CITE-seq model's model.json (e.g. 'clr_depth' to 'clr' or 'log')
loaded the model and embedded every cell with the other normalisation, silently. The ADT modality's entry now
records the normalisation its proteins were fitted with, and a config naming another is refused in one line; files
without the record load as before."""

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
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(data, cell_type_key="cell_type",
                                                                           progress_bar=False)
    return data, model, model.save(tmp_path_factory.mktemp("s38_pn") / "model")


def _edited(path, out, edit):
    shutil.copytree(path, out)
    d = json.loads((out / "model.json").read_text())
    edit(d)
    (out / "model.json").write_text(json.dumps(d))
    return out


def test_the_proteins_normalisation_is_saved(saved):
    _, model, path = saved
    adt = json.loads((path / "model.json").read_text())["modalities"][1]
    assert adt["kind"] == "ADT" and adt["protein_norm"] == model.config.protein_norm == "clr_depth"


@pytest.mark.parametrize("norm", ["clr", "log"])
def test_an_edited_protein_norm_is_refused(saved, tmp_path, norm):
    _, _, path = saved
    edited = _edited(path, tmp_path / norm, lambda d: d["config"].__setitem__("protein_norm", norm))
    with pytest.raises(ValueError, match=rf"its config says protein_norm='{norm}', but its network was fitted on "
                                         r"proteins normalised with 'clr_depth'; the file was edited"):
        JAE.load(edited)


def test_a_file_without_the_record_loads_as_before(saved, tmp_path):
    data, model, path = saved
    old = _edited(path, tmp_path / "old", lambda d: d["modalities"][1].pop("protein_norm"))
    np.testing.assert_array_equal(JAE.load(old).embed(data, key_added=None), model.embed(data, key_added=None))
    np.testing.assert_array_equal(JAE.load(path).embed(data, key_added=None), model.embed(data, key_added=None))
