"""Session 38: jae embed --h5ad FILE with the proteins in obsm['protein_expression'] as an array (scvi-tools' layout
without names) said the data's proteins were 'named like protein_0, protein_1' and to 'give the data in the model's
features': names the file never held, made up by jae, with no word on where jae reads protein names from. It now says
so and names the two places (a DataFrame's columns, uns['protein_expression_names']); following it embeds the cells."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np

from jae.cli import main
from jae.datasets import simulate


def test_unnamed_protein_array_names_where_names_go(own_cite_model, tmp_path, caplog):
    folder = own_cite_model("s38_unnamed_proteins")[0] / "model"
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    rna = data["rna"].copy()
    rna.obs = data.obs.copy()
    proteins = data["prot"].layers["counts"]
    rna.obsm["protein_expression"] = np.asarray(proteins.todense() if hasattr(proteins, "todense") else proteins)
    path = tmp_path / "cite.h5ad"
    rna.write_h5ad(path)
    args = ["-q", "embed", "--model", str(folder), "--h5ad", str(path), "--finetune-epochs", "0", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*args, "--out", str(tmp_path / "e.h5ad")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    assert "obsm['protein_expression'] as an array without names" in said[0], said[0]
    assert "uns['protein_expression_names']" in said[0] and not (tmp_path / "e.h5ad").exists()
    # the fix as written: the names in uns['protein_expression_names']
    fixed = ad.read_h5ad(path)
    fixed.uns["protein_expression_names"] = np.asarray(data["prot"].var_names)
    fixed.write_h5ad(tmp_path / "named.h5ad")
    args[args.index(str(path))] = str(tmp_path / "named.h5ad")
    assert main([*args, "--out", str(tmp_path / "e.h5ad")]) == 0
    assert np.isfinite(ad.read_h5ad(tmp_path / "e.h5ad").X).all()
