"""An .h5ad of normalised X with its counts in a layer of another name (layers['raw_counts']) given to fit: the
refusal names the layers the data holds, and passing one of them fits."""

import logging

import anndata as ad
import pytest

from jae import JAE, JAEConfig, simulate
from jae.cli import main


@pytest.fixture(scope="module")
def normalised(tmp_path_factory):
    import scanpy as sc

    m = simulate(80, kind="cite", n_genes=200, n_proteins=8, n_batches=2, seed=3)
    r, p = m.mod["rna"].copy(), m.mod["prot"].copy()
    r.var["feature_types"], p.var["feature_types"] = "Gene Expression", "Antibody Capture"
    a = ad.concat([r, p], axis=1, merge="first")
    a.layers.clear()
    a.obs = m.obs.copy()
    a.layers["raw_counts"] = a.X.copy()
    sc.pp.normalize_total(a)
    sc.pp.log1p(a)
    path = tmp_path_factory.mktemp("annot2_layers") / "cite.h5ad"
    a.write_h5ad(path)
    return a, path


def test_fit_in_python_names_the_data_s_layers(normalised):
    """It said only 'pass layer=... naming where they are', not that the AnnData holds layers['raw_counts']."""
    a, _ = normalised
    config = JAEConfig(mode="unsupervised", max_epochs=1, n_svd=10)
    with pytest.raises(ValueError) as err:
        JAE(config, seed=0, device="cpu").fit(a, progress_bar=False)
    assert ("modality 'rna' (X) has" in str(err.value)
            and ".X holds no raw counts; its layers are ['raw_counts']: pass layer=... naming the one" in str(err.value))
    JAE(config, seed=0, device="cpu").fit(a, layer="raw_counts", progress_bar=False)  # the fix it names fits


def test_jae_fit_h5ad_names_the_file_s_layers(normalised, tmp_path, caplog):
    """It said "modality 'rna' (layer 'counts')", a layer the file lacks, and did not name 'raw_counts'."""
    _, path = normalised
    args = ["fit", "--h5ad", str(path), "--mode", "unsupervised", "--max-epochs", "1", "--set", "n_svd=10"]
    with caplog.at_level(logging.INFO, logger="jae"):
        assert main(args + ["--out", str(tmp_path / "m1")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(said) == 1 and "(layer 'counts')" not in said[0], said
    assert "its layers are ['raw_counts']: pass --layer NAME naming the one holding them" in said[0]
    assert main(args + ["--layer", "raw_counts", "--out", str(tmp_path / "m2")]) == 0
