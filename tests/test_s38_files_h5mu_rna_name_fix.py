"""Session 38: jae embed --h5mu FILE whose modalities are named 'gex' and 'ADT' (read as RNA + proteins, --rna-mod
finds 'gex') and whose proteins the model does not know said to write its RNA alone with
mudata.read_h5mu(FILE)['rna'].write_h5ad('rna.h5ad'): a KeyError on that file. The message now says to put the file's
own name of its RNA modality in place of 'rna'; done so, the line writes an RNA file --mod1 takes."""

from __future__ import annotations

import logging
import re

import anndata as ad
import mudata as md
import numpy as np

from jae.cli import main
from jae.datasets import simulate


def test_rna_alone_line_names_the_files_own_rna_modality(own_cite_model, tmp_path, caplog, monkeypatch):
    folder = own_cite_model("s38_h5mu_rna_name")[0] / "model"
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    prot = data["prot"].copy()
    prot.var_names = [f"OTHER{i}" for i in range(prot.n_vars)]
    mdata = md.MuData({"gex": data["rna"].copy(), "ADT": prot})
    mdata.obs = data.obs.copy()
    path = tmp_path / "q.h5mu"
    mdata.write(path)
    args = ["-q", "embed", "--model", str(folder), "--finetune-epochs", "0", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*args, "--h5mu", str(path), "--out", str(tmp_path / "e.h5mu")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    line = re.search(r"(mudata\.read_h5mu\(FILE\)\['rna'\]\.write_h5ad\('rna\.h5ad'\)) for an --h5mu \(with its RNA "
                     r"modality's name in place of 'rna'", said[0])
    assert line, said[0]
    monkeypatch.chdir(tmp_path)
    exec("import mudata; " + line.group(1).replace("FILE", repr(str(path))).replace("['rna']", "['gex']"))
    assert main([*args, "--mod1", "rna.h5ad", "--out", str(tmp_path / "e.h5ad")]) == 0
    assert np.isfinite(ad.read_h5ad(tmp_path / "e.h5ad").X).all()
