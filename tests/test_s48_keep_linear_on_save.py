"""Session 48: a model that does not keep its voters' linear classifier (loaded from a folder written before session
47, or mapped from such a reference) fits it when saved, so the folder keeps it and no later call refits it; before,
every `jae embed` of such a folder (and of the model `jae map` made from it) fitted it again."""

from __future__ import annotations

import json

from jae import JAE
from jae.datasets import simulate
from conftest import labels_equal  # tests/ is on sys.path


def _without_linear(own_cite_model, name):
    folder, model = own_cite_model(name)
    model.voter_linear = None  # as loaded from a folder written before session 47
    return folder, model


def test_saving_fits_it_once_and_the_folder_keeps_it(own_cite_model, linear_fits, tmp_path):
    folder, model = _without_linear(own_cite_model, "s48_keep_save")
    cells = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)
    model.save(tmp_path / "again")
    assert len(linear_fits) == 1
    assert "voter_linear" in json.loads((tmp_path / "again" / "model.json").read_text())
    loaded = JAE.load(tmp_path / "again", device="cpu")
    assert loaded.voter_linear is not None
    got = loaded.predict_cell_type(cells)
    assert len(linear_fits) == 1  # the loaded model fits nothing
    fresh = JAE.load(folder / "model", device="cpu")
    fresh.voter_linear = None
    labels_equal(got, fresh.predict_cell_type(cells))  # the same labels as a model that fits at its first labels


def test_a_model_mapped_from_such_a_reference_keeps_it_when_saved(own_cite_model, linear_fits, tmp_path):
    _, reference = _without_linear(own_cite_model, "s48_keep_map")
    query = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=3, seed=6)
    query = query[query.obs["batch"] == sorted(query.obs["batch"].unique())[-1]].copy()
    mapped = reference.map_query(query, batch_key="batch")
    mapped.save(tmp_path / "mapped")
    fits = len(linear_fits)
    assert fits >= 1
    loaded = JAE.load(tmp_path / "mapped", device="cpu")
    assert loaded.voter_linear is not None
    loaded.predict_cell_type(query)
    assert len(linear_fits) == fits


def test_a_model_that_keeps_it_saves_without_fitting(own_cite_model, linear_fits, tmp_path):
    _, model = own_cite_model("s48_keep_kept")
    assert model.voter_linear is not None
    model.save(tmp_path / "again")
    assert linear_fits == []
