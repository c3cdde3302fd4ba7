"""Session 40: jae evaluate --mod1/--mod2 without --pseudotime-key looked for the default 'pseudotime_order_*'
columns in the first file alone, so a pseudotime held only by the second competition file left ti_cons n/a (and
overall the mean of the other metrics), while jae.evaluate on jae.io.read_competition(...) found and scored it. The
files' path now takes those columns from the second file too and scores as the in-memory call does."""

from __future__ import annotations

import math

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main


def test_default_pseudotime_of_the_second_file_is_scored(tmp_path):
    m = jae.simulate(150, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=4)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["batch", "cell_type"]].copy()
    prot.obs = m.obs[["batch", "pseudotime_order_GEX"]].copy()
    rna.write_h5ad(tmp_path / "a.h5ad")
    prot.write_h5ad(tmp_path / "b.h5ad")
    emb = np.random.default_rng(0).normal(size=(m.n_obs, 5)).astype(np.float32)
    emb[:, 0] += m.obs["cell_type"].cat.codes.to_numpy()
    ad.AnnData(emb, obs=pd.DataFrame(index=m.obs_names), uns={"method_id": "e"}).write_h5ad(tmp_path / "e.h5ad")
    out = tmp_path / "r"
    assert main(["-q", "evaluate", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"),
                 "--prediction", str(tmp_path / "e.h5ad"), "--out", str(out), "--no-report"]) == 0
    got = pd.read_csv(out / "metrics.csv", index_col=0)
    want = jae.evaluate(jae.io.read_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad"),
                        {"e": str(tmp_path / "e.h5ad")}, progress_bar=False)
    assert not math.isnan(want.loc["e", "ti_cons"])
    assert not math.isnan(got.loc["e", "ti_cons"]), "ti_cons n/a: the second file's pseudotime was not read"
    for metric in ("ti_cons", "overall"):
        assert got.loc["e", metric] == pytest.approx(want.loc["e", metric], rel=1e-12, abs=1e-12), metric
