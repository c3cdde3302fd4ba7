"""Session 40: jae.evaluate(jae.io.open_competition(a, b), ...) read obs columns from the first file alone: a cell-type
column only the second file holds was refused ('no cell-type column ... columns: [batch]') and a pseudotime there
left ti_cons n/a, while jae.evaluate(jae.io.read_competition(a, b), ...) found both (jae evaluate --mod1/--mod2 had
its own copy of the lookup). jae.evaluate now takes them from the second file of opened files and scores as the
in-memory call does; jae evaluate calls it."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae


def test_opened_files_score_the_second_files_columns(tmp_path):
    m = jae.simulate(150, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=4)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["batch"]].copy()
    prot.obs = m.obs[["batch", "pseudotime_order_GEX"]].assign(ct2=m.obs["cell_type"].to_numpy())
    rna.write_h5ad(tmp_path / "a.h5ad")
    prot.write_h5ad(tmp_path / "b.h5ad")
    emb = np.random.default_rng(0).normal(size=(m.n_obs, 5)).astype(np.float32)
    emb[:, 0] += m.obs["cell_type"].cat.codes.to_numpy()
    ad.AnnData(emb, obs=pd.DataFrame(index=m.obs_names), uns={"method_id": "e"}).write_h5ad(tmp_path / "e.h5ad")
    args = dict(embeddings={"e": str(tmp_path / "e.h5ad")}, cell_type_key="ct2", progress_bar=False)
    got = jae.evaluate(jae.io.open_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad"), **args)
    want = jae.evaluate(jae.io.read_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad"), **args)
    assert not np.isnan(got.loc["e", "ti_cons"])
    for metric in ("nmi", "asw_label", "ti_cons", "asw_batch", "graph_conn", "overall"):
        assert got.loc["e", metric] == pytest.approx(want.loc["e", metric], rel=1e-12, abs=1e-12), metric
    with pytest.raises(KeyError, match=r"'batch', 'pseudotime_order_GEX', 'ct2'"):
        jae.evaluate(jae.io.open_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad"), **{**args, "cell_type_key": "x"})
