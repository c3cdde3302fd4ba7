"""A scanpy / scvi-tools data file given to ``jae evaluate --prediction`` (session 52): labs compare jae with totalVI
or MultiVI, whose embedding sits in the data file's ``obsm['X_totalVI']``. The refusal told the user to give the file
as ``--h5mu`` with ``--obsm``, which refuses an .h5ad; it now names ``--h5ad``, and that command scores it."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

import jae
from jae.cli import main
from test_s50_mtx_cli import _error  # one refusal line, no traceback


def test_the_flag_named_for_an_scvi_file_scores_it(tmp_path, caplog):
    cells = jae.simulate(150, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    rna = cells["rna"]
    data = ad.AnnData(rna.layers["counts"].copy(), obs=cells.obs[["cell_type", "batch"]].copy(),
                      var=pd.DataFrame({"gene_ids": rna.var_names}, index=rna.var_names))
    data.layers["counts"] = data.X.copy()
    data.obsm["X_totalVI"] = np.random.default_rng(0).normal(size=(data.n_obs, 8)).astype(np.float32)
    path = tmp_path / "totalvi.h5ad"
    data.write_h5ad(path)
    err = _error(caplog, ["evaluate", "--mod1", str(path), "--prediction", f"totalvi={path}", "--no-report",
                          "--out", str(tmp_path / "refused")])
    assert "give this file as --h5ad and score its obsm key 'X_totalVI' (--obsm X_totalVI)" in err, err
    assert "--h5mu" not in err
    assert main(["-q", "evaluate", "--h5ad", str(path), "--obsm", "X_totalVI", "--no-report", "--device", "cpu",
                 "--out", str(tmp_path / "report")]) == 0
    table = pd.read_csv(tmp_path / "report" / "metrics.csv")
    assert table["embedding"].tolist() == ["X_totalVI"] and np.isfinite(table["overall"]).all()
