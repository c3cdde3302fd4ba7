"""jae embed --impute-modality's help (session 35) said the prediction is written as a layer of the modality 'NaN
for measured cells', so of a mosaic .h5mu too; a modality holding other cells than those lacking it takes no layer
(refused: pass --impute-out), and the help now says which inputs take the layer."""

from __future__ import annotations

import logging
import re

import mudata as md
import numpy as np
import pytest

from jae.cli import main
from jae.datasets import simulate


def test_impute_modality_help_says_a_mosaic_h5mu_takes_no_layer_as_embed_does(own_cite_model, tmp_path, capsys, caplog):
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    help_ = re.search(r"--impute-modality NAME (.*?) --method-id", text).group(1)
    assert "NaN for measured cells" not in help_, help_
    assert "a modality holding other cells, as in a mosaic .h5mu, takes no layer: pass --impute-out" in help_, help_
    d, model = own_cite_model("s35_impute_modality_help")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    cells = np.arange(q.n_obs)
    mos = md.MuData({"rna": q["rna"][cells < 45].copy(), "prot": q["prot"][cells >= 15].copy()})
    mos.obs = mos.obs.join(q.obs[["batch"]])
    mos.write(tmp_path / "mos.h5mu")
    with caplog.at_level(logging.ERROR, logger="jae"):  # the behaviour the help now describes
        rc = main(["-q", "embed", "--model", str(d / "model"), "--h5mu", str(tmp_path / "mos.h5mu"), "--out",
                   str(tmp_path / "e.h5mu"), "--impute-modality", "prot", "--finetune-epochs", "0"])
    assert rc == 1 and "pass --impute-out FILE.h5ad" in caplog.text and not (tmp_path / "e.h5mu").exists()
