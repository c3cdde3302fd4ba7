"""Session 39: jae evaluate --mod1/--mod2 --cell-type-key COLUMN (or a --batch-key, --pseudotime-key named) refused a
column held only by the second competition file ('no cell-type column'), while jae.evaluate on
jae.io.read_competition(...) found it in the second modality's obs. The files' path now reads that column from the
second file and scores as the in-memory call does."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    m = jae.simulate(150, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=4)
    folder = tmp_path_factory.mktemp("evaluate_mod2_labels")
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["batch"]].copy()
    prot.obs = m.obs[["batch"]].assign(ct2=m.obs["cell_type"].to_numpy(), sample=m.obs["batch"].to_numpy())
    rna.write_h5ad(folder / "a.h5ad")
    prot.write_h5ad(folder / "b.h5ad")
    emb = np.random.default_rng(0).normal(size=(m.n_obs, 5)).astype(np.float32)
    emb[:, 0] += m.obs["cell_type"].cat.codes.to_numpy()
    ad.AnnData(emb, obs=pd.DataFrame(index=m.obs_names), uns={"method_id": "e"}).write_h5ad(folder / "e.h5ad")
    return folder


def test_cli_scores_labels_only_the_second_file_holds(files, tmp_path):
    out = tmp_path / "r"
    assert main(["-q", "evaluate", "--mod1", str(files / "a.h5ad"), "--mod2", str(files / "b.h5ad"), "--prediction",
                 str(files / "e.h5ad"), "--cell-type-key", "ct2", "--batch-key", "sample", "--out", str(out),
                 "--no-report"]) == 0
    got = pd.read_csv(out / "metrics.csv", index_col=0)
    mdata = jae.io.read_competition(files / "a.h5ad", files / "b.h5ad")
    want = jae.evaluate(mdata, {"e": str(files / "e.h5ad")}, cell_type_key="ct2", batch_key="sample",
                        progress_bar=False)
    for metric in ("nmi", "asw_label", "asw_batch", "graph_conn"):
        assert got.loc["e", metric] == pytest.approx(want.loc["e", metric], rel=1e-12, abs=1e-12), metric
