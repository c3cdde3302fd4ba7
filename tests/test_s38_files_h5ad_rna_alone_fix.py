"""Session 38: jae embed --h5ad FILE whose proteins the model does not know said 'or place these cells from their RNA
alone: give --mod1 without --mod2 (from an --h5mu or --h5ad input, its RNA written to an .h5ad of its own, e.g. in
Python mudata.read_h5mu(FILE)['rna'].write_h5ad('rna.h5ad'))': for an --h5ad FILE that line fails (mudata cannot
read an AnnData file). The message now also gives the line for an --h5ad, which works as written."""

from __future__ import annotations

import logging
import re

import anndata as ad
import numpy as np
import pandas as pd

from jae.cli import main
from jae.datasets import simulate


def test_rna_alone_fix_for_an_h5ad_input_works(own_cite_model, tmp_path, caplog, monkeypatch):
    folder = own_cite_model("s38_h5ad_rna_alone")[0] / "model"
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    rna = data["rna"].copy()
    rna.obs = data.obs.copy()
    proteins = data["prot"].layers["counts"]
    proteins = np.asarray(proteins.todense() if hasattr(proteins, "todense") else proteins)
    rna.obsm["protein_expression"] = pd.DataFrame(proteins, index=rna.obs_names,
                                                  columns=[f"OTHER{i}" for i in range(proteins.shape[1])])
    path = tmp_path / "cite.h5ad"
    rna.write_h5ad(path)
    args = ["-q", "embed", "--model", str(folder), "--finetune-epochs", "0", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*args, "--h5ad", str(path), "--out", str(tmp_path / "e.h5ad")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    line = re.search(r"(jae\.io\.split_anndata\(anndata\.read_h5ad\(FILE\)\)\['rna'\]\.write_h5ad\('rna\.h5ad'\)) "
                     r"for an --h5ad", said[0])
    assert line, said[0]
    monkeypatch.chdir(tmp_path)
    exec("import anndata, jae; " + line.group(1).replace("FILE", repr(str(path))))  # the fix as written
    assert main([*args, "--mod1", "rna.h5ad", "--out", str(tmp_path / "e.h5ad")]) == 0
    assert np.isfinite(ad.read_h5ad(tmp_path / "e.h5ad").X).all()
