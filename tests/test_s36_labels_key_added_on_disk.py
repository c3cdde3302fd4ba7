"""predict_cell_type(path, key_added='jae') returned the labels and stored them nowhere, without a word: data on disk
is never written to (README, 'What jae stores where'), and data=None (an embedding given alone) has no obs, but the
user asked for obs columns and found none. Both now warn that key_added stored nothing, with what to do; the labels
returned are unchanged, and data in memory is stored into as before, without the warning."""

from __future__ import annotations

import logging

import pytest

from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model, tmp_path_factory):
    folder, model = own_cite_model("s36_labels_key_added_on_disk")
    cells = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    path = tmp_path_factory.mktemp("s36_key_on_disk") / "cells.h5mu"
    cells.write(path)
    return model, cells, path


def _said(caplog):
    return [r for r in caplog.records if "stored nothing" in r.getMessage()]


def test_key_added_with_a_path_or_no_data_warns_that_nothing_was_stored(setup, caplog):
    model, cells, path = setup
    with caplog.at_level(logging.WARNING, logger="jae"):
        from_file = model.predict_cell_type(str(path), key_added="jae")
    (line,) = _said(caplog)
    assert line.levelno == logging.WARNING and line.getMessage() == (
        "key_added='jae' stored nothing: the data was given as files, which jae never writes to; keep the returned "
        "DataFrame, or pass the data read into memory (mudata.read_h5mu, anndata.read_h5ad)")
    caplog.clear()
    emb = model.embed(cells, key_added=None)
    with caplog.at_level(logging.WARNING, logger="jae"):
        alone = model.predict_cell_type(None, embedding=emb, key_added="jae")
    (line,) = _said(caplog)
    assert line.getMessage() == ("key_added='jae' stored nothing: data is None; keep the returned DataFrame, or pass "
                                 "the AnnData or MuData of these cells")
    assert len(from_file) == len(alone) == cells.n_obs
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.predict_cell_type(cells, key_added="jae")
        model.predict_cell_type(str(path))  # nothing asked, nothing said
    assert not _said(caplog) and "jae_cell_type" in cells.obs
