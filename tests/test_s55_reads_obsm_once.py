"""Session 55: scoring an obsm key of files opened lazily (jae.io.open_h5mu, open_competition) opened each file
about three times per key or more: once to read the embedding, once per modality to find whether several hold it
(the ambiguity warning), once for jae's record of its columns and once more for the report to say where it was
read. jae.evaluation.inputs.files_obsm now reads all of it in one open of each file; the values, the warning and
the report's words are as before."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.evaluation.embeddings import read_embeddings
from jae.report.settings import _source


@pytest.fixture(scope="module")
def h5mu(tmp_path_factory):
    m = simulate(80, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    rng = np.random.default_rng(0)
    m.mod["rna"].obsm["X_pca"] = rng.normal(size=(m.n_obs, 5))
    m.mod["prot"].obsm["X_pca"] = rng.normal(size=(m.n_obs, 5))
    m.obsm["X_joint"] = rng.normal(size=(m.n_obs, 4))
    m.uns["jae_joint"] = {"columns": ["shared:0", "shared:1", "shared:2", "private:0"]}  # jae's record (uns_key)
    path = tmp_path_factory.mktemp("obsm_once") / "d.h5mu"
    jae.io.write_atomic(m, path)
    return m, path


@pytest.fixture
def opens(monkeypatch):
    """The names of the files h5py opens from now on."""
    seen = []

    class Counting(h5py.File):
        def __init__(self, name, *args, **kwargs):
            if isinstance(name, (str, os.PathLike)):
                seen.append(Path(name).name)
            super().__init__(name, *args, **kwargs)

    monkeypatch.setattr(h5py, "File", Counting)
    return seen


def _read(files, key):
    labelled = np.ones(files.n_obs, dtype=bool)
    arrays, columns, sources = read_embeddings(files, {key: key}, labelled=labelled, files=True, baseline=False)
    return arrays[key], columns[key], _source(sources[key], files)


def test_a_modalitys_obsm_key_opens_the_file_once(h5mu, opens, caplog):
    m, path = h5mu
    files = jae.io.open_h5mu(path)
    opens.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        E, columns, place = _read(files, "X_pca")
    assert opens == ["d.h5mu"]  # was 5: read, one per modality for the warning, the columns' record, the place
    np.testing.assert_array_equal(E, np.asarray(m["rna"].obsm["X_pca"])[m["rna"].obs_names.get_indexer(
        files.obs_names)])
    assert place == "obsm['X_pca'] of modality 'rna'" and columns is None
    assert "obsm['X_pca'] is held by the modalities ['rna', 'prot']" in caplog.text  # still warned


def test_a_global_obsm_key_opens_the_file_once(h5mu, opens):
    m, path = h5mu
    files = jae.io.open_h5mu(path)
    opens.clear()
    E, columns, place = _read(files, "X_joint")
    assert opens == ["d.h5mu"]  # was 4
    np.testing.assert_array_equal(E, np.asarray(m.obsm["X_joint"])[m.obs_names.get_indexer(files.obs_names)])
    assert place == "obsm['X_joint']" and columns == ["shared:0", "shared:1", "shared:2", "private:0"]


def test_competition_files_each_opened_once(h5mu, opens, tmp_path):
    m, _ = h5mu
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs, prot.obs = m.obs.loc[rna.obs_names].copy(), m.obs.loc[prot.obs_names].copy()
    rna.obsm.clear()
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    prot.write_h5ad(tmp_path / "x.mod2.h5ad")
    files = jae.io.open_competition(tmp_path / "x.mod1.h5ad", tmp_path / "x.mod2.h5ad")
    opens.clear()
    E, columns, place = _read(files, "X_pca")  # the second file's
    assert sorted(opens) == ["x.mod1.h5ad", "x.mod2.h5ad"]
    np.testing.assert_array_equal(E, np.asarray(prot.obsm["X_pca"])[prot.obs_names.get_indexer(files.obs_names)])
    assert place == "obsm['X_pca'] of x.mod2.h5ad"


def test_a_missing_key_still_lists_the_stored_ones(h5mu):
    files = jae.io.open_h5mu(h5mu[1])
    with pytest.raises(KeyError, match=r"embedding 'X_nope' not found in the data's obsm \(nor in a modality's obsm\); "
                                       r"available: \['X_joint', 'X_pca'\]"):
        _read(files, "X_nope")
    assert jae.evaluation.obsm_embedding(files, "X_pca").shape == (80, 5)
