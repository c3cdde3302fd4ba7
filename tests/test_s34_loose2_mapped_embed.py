"""jae embed / embed_files on a model made by map_query: its log lines and the CLI's wording, and the fit batch
column of an older decoder_batch model."""

from __future__ import annotations

import copy
import logging

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    ref = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False)
    query = simulate(90, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=3, seed=4)
    query.obs_names = "q" + query.obs_names
    for frame in [query.obs] + [m.obs for m in query.mod.values()]:
        if "batch" in frame:
            frame["batch"] = ("q" + frame["batch"].astype(str)).astype("category")
    first = query[query.obs["batch"] != query.obs["batch"].cat.categories[-1]].copy()
    out = model.map_query(first, epochs=1, seed=0, progress_bar=False)
    folder = tmp_path_factory.mktemp("loose2_mapped")
    query.write(folder / "q.h5mu")
    return out, query, folder


def test_embed_files_warns_once_of_cells_of_batches_never_mapped_when_it_fine_tunes(mapped, tmp_path, caplog):
    model, _, folder = mapped
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.embed_files(InputFiles(h5mu=folder / "q.h5mu"), model, tmp_path / "e.h5ad", finetune_epochs=1, seed=3,
                        progress_bar=False)
    said = [r for r in caplog.records if "neither mapped nor was fitted on" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING


def test_a_mapped_model_fine_tuned_after_mapping_is_not_called_a_frozen_reference(mapped, tmp_path, caplog):
    model, query, folder = mapped
    tuned = copy.deepcopy(model).finetune(query, epochs=1, seed=5, progress_bar=False)
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.embed_files(InputFiles(h5mu=folder / "q.h5mu"), tuned, tmp_path / "e.h5ad", progress_bar=False)
    line = [r.getMessage() for r in caplog.records if "embedding without fine-tuning" in r.getMessage()]
    assert len(line) == 1 and "frozen reference (jae map)" not in line[0]
    assert "fine-tuned after the mapping" in line[0]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):  # not fine-tuned since: the frozen reference, as before
        jae.embed_files(InputFiles(h5mu=folder / "q.h5mu"), model, tmp_path / "f.h5ad", progress_bar=False)
    assert "maps query cells onto a frozen reference (jae map)" in caplog.text


def test_jae_embed_seed_on_a_mapped_model_names_any_number_of_fine_tuning_epochs(mapped, tmp_path, caplog, capsys):
    from jae.cli import main

    model, _, folder = mapped
    model.save(tmp_path / "model")
    code = main(["embed", "--model", str(tmp_path / "model"), "--h5mu", str(folder / "q.h5mu"),
                 "--out", str(tmp_path / "e.h5ad"), "--seed", "3"])
    text = caplog.text + capsys.readouterr().err
    assert code != 0 and "unless --finetune-epochs N (N >= 1) is given" in text
    assert "unless --finetune-epochs 1 is given" not in text


def test_an_older_decoder_batch_model_without_its_fit_column_fine_tunes_with_obs_batch(tmp_path, caplog):
    ref = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    model = JAE(JAEConfig(max_epochs=1, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(ref, progress_bar=False)
    model.batch_key = None  # as a model saved before jae kept fit's batch column loads
    query = simulate(80, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=4)
    query.obs_names = "q" + query.obs_names
    query.write(tmp_path / "q.h5mu")
    with caplog.at_level(logging.INFO, logger="jae"):
        got = jae.embed_files(InputFiles(h5mu=tmp_path / "q.h5mu"), model, tmp_path / "e.h5ad", finetune_epochs=1,
                              seed=7, progress_bar=False).embedding
    assert "obs['batch'], the default column" in caplog.text
    want = copy.deepcopy(model).finetune(query, batch_key="batch", epochs=1, seed=7, progress_bar=False)
    np.testing.assert_array_equal(got, want.embed(query, key_added=None))
