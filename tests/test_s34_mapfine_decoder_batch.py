"""jae embed / embed_files fine-tunes a decoder_batch=True model with the batches of the column it was fitted with
(when the data holds it), as model.finetune(data, batch_key=...) does, not with zeros for every cell."""

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
def decoder_model():
    ref = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    model = JAE(JAEConfig(max_epochs=2, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(ref, progress_bar=False)
    query = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=4)
    query.obs_names = "q" + query.obs_names
    assert set(query.obs["batch"].astype(str)) <= set(model.batches)  # cells of batches the decoder knows
    return model, query


def _embed_files(model, query, path, tmp_path):
    query.write(path)
    return jae.embed_files(InputFiles(h5mu=path), model, tmp_path / "emb.h5ad", finetune_epochs=1, seed=7,
                           progress_bar=False).embedding


def test_embed_files_fine_tunes_a_decoder_batch_model_with_the_batches_it_was_fitted_with(decoder_model, tmp_path):
    """The decoder got zeros for every cell, even those of batches the model was pretrained on."""
    model, query = decoder_model
    got = _embed_files(model, query, tmp_path / "q.h5mu", tmp_path)
    want = copy.deepcopy(model).finetune(query, batch_key="batch", epochs=1, seed=7, progress_bar=False)
    np.testing.assert_array_equal(got, want.embed(query, key_added=None))


def test_embed_files_without_the_batch_column_fine_tunes_with_no_batch_and_says_so(decoder_model, tmp_path, caplog):
    model, query = decoder_model
    bare = query.copy()
    del bare.obs["batch"]
    for mod in bare.mod.values():
        mod.obs = mod.obs.drop(columns=[c for c in mod.obs.columns if c == "batch"])
    with caplog.at_level(logging.INFO, logger="jae"):
        got = _embed_files(model, bare, tmp_path / "bare.h5mu", tmp_path)
    assert "has no obs['batch']" in caplog.text
    want = copy.deepcopy(model).finetune(bare, epochs=1, seed=7, progress_bar=False)
    np.testing.assert_array_equal(got, want.embed(bare, key_added=None))


def test_embed_files_refuses_cells_without_a_batch_before_fine_tuning(decoder_model, tmp_path):
    model, query = decoder_model
    holes = query.copy()
    holes.obs["batch"] = holes.obs["batch"].astype(object)
    holes.obs.iloc[:3, holes.obs.columns.get_loc("batch")] = np.nan
    for mod in holes.mod.values():
        mod.obs = mod.obs.drop(columns=[c for c in mod.obs.columns if c == "batch"])
    with pytest.raises(ValueError, match=r"decoder_batch=True.*3 of 120 cells have no batch label.*finetune_epochs=0"):
        _embed_files(model, holes, tmp_path / "holes.h5mu", tmp_path)
    assert not (tmp_path / "emb.h5ad").exists()


def test_jae_embed_names_the_flag_that_skips_the_fine_tuning_reading_the_batches(decoder_model, tmp_path, caplog):
    from jae.cli import main

    model, query = decoder_model
    holes = query.copy()
    holes.obs["batch"] = holes.obs["batch"].astype(object)
    holes.obs.iloc[:3, holes.obs.columns.get_loc("batch")] = np.nan
    for mod in holes.mod.values():
        mod.obs = mod.obs.drop(columns=[c for c in mod.obs.columns if c == "batch"])
    holes.write(tmp_path / "holes.h5mu")
    model.save(tmp_path / "model")
    code = main(["embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "holes.h5mu"),
                 "--out", str(tmp_path / "emb.h5ad")])
    err = caplog.text
    assert code != 0 and "Traceback" not in err and "--finetune-epochs 0" in err and "3 of 120 cells" in err
    assert not (tmp_path / "emb.h5ad").exists()
