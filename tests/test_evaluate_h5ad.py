"""jae evaluate --h5ad: one .h5ad of RNA alone (a scanpy file, its embedding in obsm) is scored as --mod1 alone is."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def data():
    m = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    rna = m.mod["rna"].copy()
    rna.obs = m.obs.copy()
    codes = m.obs["cell_type"].cat.codes.to_numpy()[:, None]
    rna.obsm["X_pca"] = (codes * 2.0 + np.random.default_rng(0).normal(size=(m.n_obs, 6))).astype(np.float32)
    return m, rna


def test_an_h5ad_of_rna_alone_is_scored_like_mod1_alone(data, tmp_path):
    """--h5ad of RNA alone was refused ('give the second modality: --mod1 and --mod2'), though scoring a stored
    embedding needs only the RNA and the same file as --mod1 was scored."""
    _, rna = data
    rna.write_h5ad(tmp_path / "rna.h5ad")
    kept = (tmp_path / "rna.h5ad").read_bytes()
    as_h5ad = jae.evaluate_files(InputFiles(h5ad=tmp_path / "rna.h5ad"), ["X_pca"], tmp_path / "r", device="cpu",
                                 report=False, progress_bar=False)
    as_mod1 = jae.evaluate_files(InputFiles(mod1=tmp_path / "rna.h5ad"), ["X_pca"], device="cpu", progress_bar=False)
    assert np.isfinite(as_h5ad.loc["X_pca", "cc_cons"])  # the RNA is read for the cell-cycle reference
    np.testing.assert_allclose(as_h5ad.to_numpy(float), as_mod1.to_numpy(float), equal_nan=True)
    assert (tmp_path / "r" / "metrics.csv").is_file() and (tmp_path / "rna.h5ad").read_bytes() == kept


def test_annotation_files_join_an_h5ad_of_rna_alone(data, tmp_path):
    _, rna = data
    bare = rna.copy()
    bare.obs = bare.obs[["batch"]]
    bare.write_h5ad(tmp_path / "rna.h5ad")
    ad.AnnData(obs=rna.obs[["cell_type"]].rename(columns={"cell_type": "ct"})).write_h5ad(tmp_path / "sol.h5ad")
    files = InputFiles(h5ad=tmp_path / "rna.h5ad", annotations=[tmp_path / "sol.h5ad"])
    table = jae.evaluate_files(files, ["X_pca"], cell_type_key="ct", device="cpu", progress_bar=False)
    expected = jae.evaluate(rna, ["X_pca"], pseudotime_keys=[], device="cpu", progress_bar=False)
    np.testing.assert_allclose(table.to_numpy(float), expected.to_numpy(float), equal_nan=True)


def test_an_h5ad_of_both_modalities_is_still_split(data, tmp_path):
    m, rna = data
    both = ad.concat([m.mod["rna"], m.mod["prot"]], axis=1, merge="first")
    both.obs = m.obs.copy()
    both.obsm["X_pca"] = rna.obsm["X_pca"]
    both.write_h5ad(tmp_path / "both.h5ad")
    table = jae.evaluate_files(InputFiles(h5ad=tmp_path / "both.h5ad"), ["X_pca"], baseline=True, device="cpu",
                               progress_bar=False)
    assert list(table.index) == ["X_pca", "svd_baseline"]
