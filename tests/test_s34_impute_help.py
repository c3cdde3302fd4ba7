"""Session 34 audit: jae embed --impute-out's help names every input it imputes for."""

from __future__ import annotations

import re

import anndata as ad
import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


def test_impute_out_help_names_mosaic_mod1_mod2_files(capsys):
    """--mod1 / --mod2 files holding different cells (mosaic) are imputed for (below); the help named
    only RNA-only input and a mosaic .h5mu."""
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    help_ = re.search(r"--impute-out FILE (.*?) --impute-modality", text).group(1)
    assert "--mod1 / --mod2 files holding different cells" in help_, help_


def test_impute_out_of_mosaic_mod1_mod2_files_writes_the_cells_lacking_the_modality(own_cite_model, tmp_path):
    d, model = own_cite_model("impute_help")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    cells = np.arange(q.n_obs)
    q["rna"][cells < 45].copy().write_h5ad(tmp_path / "m1.h5ad")
    q["prot"][cells >= 15].copy().write_h5ad(tmp_path / "m2.h5ad")
    assert main(["-q", "embed", "--model", str(d / "model"), "--mod1", str(tmp_path / "m1.h5ad"), "--mod2",
                 str(tmp_path / "m2.h5ad"), "--out", str(tmp_path / "e.h5ad"), "--impute-out",
                 str(tmp_path / "imp.h5ad"), "--impute-modality", "prot", "--finetune-epochs", "0"]) == 0
    imputed = ad.read_h5ad(tmp_path / "imp.h5ad")
    assert list(imputed.obs_names) == list(q.obs_names[:15]) and list(imputed.var_names) == list(q["prot"].var_names)
    assert imputed.uns["jae_imputed"]["modality"] == "prot"
    mosaic = {"rna": q["rna"][cells < 45].copy(), "prot": q["prot"][cells >= 15].copy()}
    np.testing.assert_allclose(imputed.X, jae.impute(model, mosaic, modality="prot").X, rtol=1e-5, atol=1e-6)
