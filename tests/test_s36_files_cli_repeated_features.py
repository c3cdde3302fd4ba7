"""``jae fit --mod1 --mod2`` with a file repeating a gene name (session 36): the refusal's fix was
"adata.var_names_make_unique() on that modality", which names neither the file nor writing it again, the one thing a
command-line user can do. The CLI now says to read the AnnData from its file (--mod1 for 'rna'), make the names
unique, write the file again and pass that."""

from __future__ import annotations

import logging

import anndata as ad

from jae.cli import main
from jae.datasets import simulate


def test_cli_names_the_file_fix(tmp_path, caplog):
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    rna = ad.AnnData(X=m["rna"].layers["counts"].copy(), obs=m.obs.copy(), var=m["rna"].var[[]].copy())
    rna.var_names = [*rna.var_names[:-1], rna.var_names[0]]  # the last gene named as the first
    rna.write_h5ad(tmp_path / "rna.h5ad")
    ad.AnnData(X=m["prot"].layers["counts"].copy(), obs=m.obs[["batch"]].copy(), var=m["prot"].var[[]].copy()
               ).write_h5ad(tmp_path / "adt.h5ad")
    args = ["fit", "--mod1", str(tmp_path / "rna.h5ad"), "--mod2", str(tmp_path / "adt.h5ad"), "--max-epochs", "1",
            "--out", str(tmp_path / "model")]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) != 0
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and said[0].endswith(
        "adata.var_names_make_unique() on that modality's AnnData, read from its file (--mod1 for 'rna', --mod2 for "
        "the other; of an --h5mu, mdata.mod[NAME]), then write the file again and pass that"), said
