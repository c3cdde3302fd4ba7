"""jae evaluate --mod1 ATAC.h5ad alone (jae.evaluate_files(InputFiles(mod1=...))) was refused with embed's fix,
"cells measured in the second modality alone are embedded from memory: model.embed(...)", which scores nothing.
Now the refusal names the fix that scores them, h5ad=FILE (jae evaluate --h5ad FILE), which works (s37 audit)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.cli._messages import cli_message
from jae.io import InputFiles


def test_atac_alone_as_mod1_names_the_h5ad_fix_that_scores_it(tmp_path):
    m = jae.simulate(60, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    atac = m["atac"].copy()
    for c in ("cell_type", "batch"):
        atac.obs[c] = m.obs[c].to_numpy()
    atac.obsm["X_e"] = np.random.default_rng(0).normal(size=(atac.n_obs, 4)).astype(np.float32)
    path = tmp_path / "atac.h5ad"
    atac.write_h5ad(path)
    with pytest.raises(ValueError) as err:
        jae.evaluate_files(InputFiles(mod1=path), ["X_e"], None, progress_bar=False)
    text = str(err.value)
    assert "model.embed" not in text
    assert text.endswith("; to score embeddings of these cells without their RNA, pass this file alone as h5ad=FILE "
                         "(cc_cons, which reads the RNA, is then n/a)")
    assert "pass this file alone as --h5ad FILE" in cli_message(text)
    table = jae.evaluate_files(InputFiles(h5ad=path), ["X_e"], None, progress_bar=False)  # the fix scores them
    assert np.isfinite(table.loc["X_e", "overall"]) and np.isnan(table.loc["X_e", "cc_cons"])


def test_jae_evaluate_mod2_alone_names_h5ad_not_embed(tmp_path, caplog):
    from jae.cli import main

    m = jae.simulate(40, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    path = tmp_path / "atac.h5ad"
    m["atac"].write_h5ad(path)
    assert main(["evaluate", "--mod2", str(path), "--obsm", "X_e", "--out", str(tmp_path / "out"), "--quiet"]) == 1
    said = caplog.records[-1].getMessage()
    assert "model.embed" not in said
    assert said.endswith(f"pass its file as --h5ad {path} (cc_cons, which reads the RNA, is then n/a)")
    caplog.clear()
    assert main(["embed", "--model", "m", "--mod2", str(path), "--out", str(tmp_path / "e.h5ad"), "--quiet"]) == 1
    assert "model.embed(mudata.MuData(" in caplog.records[-1].getMessage()  # embed keeps its own fix
