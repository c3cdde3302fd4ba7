"""What a mapping did is kept with the mapped model (``model.json``'s ``"mappings"``, format version unchanged) and
with every embedding it makes (``uns['jae']['mapping']``), so a result can be rebuilt; ``jae map`` names only the
batches it added."""

from __future__ import annotations

import json
from pathlib import Path

import anndata as ad
import mudata as md
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.checkpoint import FORMAT_VERSION
from jae.datasets import simulate
from jae.mapping import adapter_steps, mappings_of

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def data():
    """A CITE-seq reference of two batches and a query of two new batches (``q1``, ``q2``)."""
    m = simulate(360, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=3, seed=4)
    batches = sorted(m.obs["batch"].unique())
    q = (m.obs["batch"] == batches[-1]).to_numpy()
    query = m[q].copy()
    query.obs["batch"] = np.where(np.arange(query.n_obs) % 2 == 0, "q1", "q2")
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=3, device="cpu").fit(m[~q].copy(), progress_bar=False)
    return model, query


def test_map_query_records_the_batches_seed_epochs_and_steps(data, tmp_path):
    model, query = data
    first = model.map_query(query[query.obs["batch"] == "q1"].copy(), epochs=2, progress_bar=False)
    n1 = int((query.obs["batch"] == "q1").sum())
    assert mappings_of(model) == []
    assert first.mappings == [{"batch_key": "batch", "batches": ["q1"], "n_cells": n1, "seed": model.seed + 2,
                               "epochs": 2, "steps": adapter_steps(n1, 2), "finetunes_before": 0}]
    second = first.map_query(query, epochs=1, seed=11, progress_bar=False)  # q1 known now: only q2 is added
    assert [m["batches"] for m in second.mappings] == [["q1"], ["q2"]]
    assert second.mappings[1]["seed"] == 11 and second.mappings[1]["epochs"] == 1
    assert first.mappings == mappings_of(first) and len(first.mappings) == 1  # the first model is unchanged
    second.save(tmp_path / "m")
    desc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert desc["format_version"] == FORMAT_VERSION == 6 and desc["mappings"] == second.mappings
    assert JAE.load(tmp_path / "m", device="cpu").mappings == second.mappings


def test_embeddings_of_a_mapped_model_carry_its_mappings(data, tmp_path):
    model, query = data
    mapped = model.map_query(query, epochs=1, progress_bar=False)
    path = tmp_path / "q.h5mu"
    query.write(path)
    got = jae.embed_files(jae.io.InputFiles(h5mu=path), mapped, tmp_path / "e.h5ad", progress_bar=False)
    assert got.embedding.shape[0] == query.n_obs
    written = ad.read_h5ad(tmp_path / "e.h5ad").uns["jae"]["mapping"]
    assert set(written) == {"1"}
    record = written["1"]
    assert list(record["batches"]) == ["q1", "q2"] and int(record["seed"]) == model.seed + 2
    assert int(record["steps"]) == mapped.mappings[0]["steps"] and record["batch_key"] == "batch"
    jae.embed_files(jae.io.InputFiles(h5mu=path), mapped, tmp_path / "e.h5mu", progress_bar=False)
    assert list(md.read_h5mu(tmp_path / "e.h5mu").uns["jae"]["mapping"]["1"]["batches"]) == ["q1", "q2"]
    assert "mapping" not in model.provenance()  # a reference never mapped says nothing of mappings


def test_a_format_6_mapped_model_saved_before_the_records_still_loads(tmp_path):
    """tests/fixtures/mapped_v6 has no "mappings": it loads, says which batches its adapter maps (seed unknown),
    and saved again keeps that."""
    model = JAE.load(FIXTURES / "mapped_v6" / "model", device="cpu")
    assert "mappings" not in json.loads((FIXTURES / "mapped_v6" / "model" / "model.json").read_text())
    assert mappings_of(model) == [{"batch_key": "batch", "batches": list(model.adapter.batches)}]
    assert model.provenance()["mapping"] == {"1": {"batch_key": "batch", "batches": list(model.adapter.batches)}}
    model.save(tmp_path / "again")
    assert JAE.load(tmp_path / "again", device="cpu").mappings == mappings_of(model)


def test_damaged_mapping_records_are_refused(data, tmp_path):
    model, query = data
    model.map_query(query, epochs=1, progress_bar=False).save(tmp_path / "m")
    desc = json.loads((tmp_path / "m" / "model.json").read_text())
    desc["mappings"] = "q1"
    (tmp_path / "m" / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match="'mappings' is not a list of mapping records; the model folder is damaged"):
        JAE.load(tmp_path / "m", device="cpu")


def test_jae_map_names_only_the_batches_it_added(data, tmp_path, capsys, caplog):
    from jae.cli import main

    model, query = data
    model.save(tmp_path / "ref")
    q1 = query[query.obs["batch"] == "q1"].copy()
    q1.write(tmp_path / "q1.h5mu")
    query.write(tmp_path / "q.h5mu")
    assert main(["map", "--model", str(tmp_path / "ref"), "--h5mu", str(tmp_path / "q1.h5mu"), "--out",
                 str(tmp_path / "m1"), "--epochs", "1", "-q"]) == 0
    capsys.readouterr()
    assert main(["map", "--model", str(tmp_path / "m1"), "--h5mu", str(tmp_path / "q.h5mu"), "--out",
                 str(tmp_path / "m2"), "--epochs", "1", "-q"]) == 0
    out = capsys.readouterr().out
    n2 = int((query.obs["batch"] == "q2").sum())
    assert out.startswith(f"mapped {n2} cells of 1 new batch (q2) onto ") and "q1" not in out.split("\n")[0].split(":")[0]
    assert f"{query.n_obs - n2} cells of batches the model already knew are placed as before" in out
    # nothing new: one line, nothing written
    assert main(["map", "--model", str(tmp_path / "m2"), "--h5mu", str(tmp_path / "q.h5mu"), "--out",
                 str(tmp_path / "m3"), "-q"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= 40]
    assert len(errors) == 1 and "every query batch in the --batch-key column batch (q1, q2) is already known" in errors[0]
    assert "jae embed --model MODEL --finetune-epochs 0" in errors[0] and not (tmp_path / "m3").exists()
