"""A query whose batch column misses some cells' batch (NaN) is refused before any work, with one line naming the
column, the count and the fix, by every step that reads the column: ``JAE.map_query`` / ``jae map``, and the
``embed`` of a model made by ``map_query`` (its shifts are chosen by the batch; a cell without one was embedded as a
batch 'nan', unshifted, without a word)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae.cli import main

MISSING = "5 of 200 cells have no batch label in 'batch'; fill the missing labels"


@pytest.fixture(scope="module")
def setup(own_cite_model):
    """A fitted CITE-seq reference, a model mapped onto a query, and that query's RNA with 5 cells' batch missing."""
    from jae.datasets import simulate

    d, model = own_cite_model("query_batches")  # the shared reference (conftest), copied: this module's own
    q = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    q.obs["batch"] = ("q_" + q.obs["batch"].astype(str)).to_numpy()
    mapped = model.map_query(q, epochs=1, progress_bar=False)
    mapped.save(d / "mapped")
    rna = q["rna"].copy()
    rna.obs["batch"] = q.obs["batch"].to_numpy().astype(object)
    rna.obs.iloc[:5, rna.obs.columns.get_loc("batch")] = np.nan
    rna.write_h5ad(d / "q.rna.h5ad")
    return model, mapped, rna, d


def _no_features(*args, **kwargs):
    raise AssertionError("the query's features were computed before its batch column was checked")


def test_map_query_refuses_cells_without_a_batch_before_the_features(setup, monkeypatch):
    model, _, rna, _ = setup
    monkeypatch.setattr("jae.query.features.query_features", _no_features)
    with pytest.raises(ValueError, match=MISSING):
        model.map_query(rna, epochs=1, progress_bar=False)


def test_a_mapped_model_refuses_cells_without_a_batch_before_the_features(setup, monkeypatch):
    _, mapped, rna, _ = setup
    before = rna.obs["batch"].copy()
    monkeypatch.setattr("jae.joint.query_features", _no_features)
    for step in (mapped.embed, mapped.latent, mapped.predict_cell_type):
        with pytest.raises(ValueError, match=r"made by map_query .* obs\['batch'\]: " + MISSING):
            step(rna)
    assert rna.obs["batch"].equals(before) and "X_jae" not in rna.obsm  # the user's data is never modified
    filled = rna.copy()
    filled.obs["batch"] = filled.obs["batch"].fillna("q_s1d1")
    monkeypatch.undo()
    assert mapped.embed(filled, key_added=None).shape[0] == 200  # with the fix it embeds


@pytest.mark.parametrize("verb", ["map", "embed"])
def test_jae_map_and_embed_refuse_cells_without_a_batch_in_one_line(setup, verb, tmp_path, caplog, capsys,
                                                                    monkeypatch):
    _, _, _, d = setup
    monkeypatch.setattr("jae.query.features.query_features", _no_features)
    monkeypatch.setattr("jae.joint.query_features", _no_features)
    out = tmp_path / ("mapped" if verb == "map" else "e.h5ad")
    model = d / ("model" if verb == "map" else "mapped")
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main([verb, "--model", str(model), "--mod1", str(d / "q.rna.h5ad"), "--out", str(out), "-q"])
    assert rc == 1 and not out.exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and MISSING in errors[0], errors
    assert "Traceback" not in capsys.readouterr().err


def test_embedding_with_the_reference_model_needs_no_batch(setup):
    model, _, rna, _ = setup
    assert model.embed(rna, key_added=None).shape[0] == 200  # the reference model reads no batch column
