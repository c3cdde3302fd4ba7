"""Session 37: an embedding read from a modality's obsm (muon's CITE-seq tutorial stores an X_pca in both 'rna' and
'prot'; jae scores the first) was described in the report as "X_pca = obsm['X_pca']": a reader could not tell the
RNA's PCA from the protein's, nor from a joint embedding in the data's own obsm. The description now names the
modality (and, for competition files, the file) whose obsm it came from."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(120, kind="cite", n_genes=250, n_proteins=20, n_cell_types=3, n_batches=2, seed=2)
    rng = np.random.default_rng(0)
    m.mod["rna"].obsm["X_pca"] = rng.normal(size=(m.n_obs, 5))
    m.mod["prot"].obsm["X_pca"] = rng.normal(size=(m.n_obs, 5))
    m.mod["prot"].obsm["X_prot_only"] = rng.normal(size=(m.n_obs, 3))
    m.obsm["X_joint"] = rng.normal(size=(m.n_obs, 4))
    return m


def test_the_description_names_the_modality_an_obsm_key_was_read_from(data, no_scoring):
    table = jae.evaluate(data, ["X_pca", "X_prot_only", "X_joint"], pseudotime_keys=[], progress_bar=False)
    assert ("embeddings: X_pca = obsm['X_pca'] of modality 'rna', X_prot_only = obsm['X_prot_only'] of modality "
            "'prot', X_joint = obsm['X_joint']; ") in table.attrs["description"]


def test_the_cli_report_names_it_too(data, no_scoring, tmp_path):
    from jae.io import write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "d.h5mu"), "--obsm", "X_pca", "--obsm", "X_joint",
                 "--out", str(tmp_path / "r"), "--no-report"]) == 0
    first = (tmp_path / "r" / "metrics.md").read_text(encoding="utf-8").splitlines()[0]
    assert "embeddings: X_pca = obsm['X_pca'] of modality 'rna', X_joint = obsm['X_joint']; " in first


def test_a_competition_files_obsm_is_named_with_its_file(data, no_scoring, tmp_path):
    rna = data.mod["rna"].copy()
    rna.obs = data.obs.copy()
    rna.obsm.clear()
    rna.obsm["X_mine"] = np.asarray(data.obsm["X_joint"])
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    table = jae.evaluate_files(jae.io.InputFiles(mod1=tmp_path / "x.mod1.h5ad"), ["X_mine"], pseudotime_keys=[],
                               progress_bar=False)
    assert "embeddings: X_mine = obsm['X_mine'] of x.mod1.h5ad; " in table.attrs["description"]
