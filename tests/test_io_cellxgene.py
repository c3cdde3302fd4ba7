"""CELLxGENE's layout: Ensembl IDs as var_names, gene symbols in ``var['feature_name']``, counts in ``.raw``. Where a
query's genes do not match a reference fitted on symbols, the message names the column holding them (it said to take
var_names from var['gene_ids'] or var['gene_symbols'], which such files lack). Since session 52 a query is read by that
column where it holds the model's genes once each (tests/test_s52_symcol_name_column.py); the refusal stands for names
read alone (:func:`jae.io.features.feature_overlap`) and for a column repeating a gene the model reads."""

from __future__ import annotations

import logging

import anndata as ad
import pandas as pd
import pytest

from jae.cli import main
from jae.datasets import simulate

HINT = "gene symbols are in var['feature_name'] (CELLxGENE layout): 200 of the model's 200 features are among them"


@pytest.fixture(scope="module")
def setup(own_cite_model):
    """A CITE-seq reference fitted on gene symbols, and a query of its genes written as CELLxGENE writes them."""
    d, model = own_cite_model("cellxgene")  # the shared reference (conftest), copied: this module's own
    q = simulate(150, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)["rna"]
    counts = q.layers["counts"] if "counts" in q.layers else q.X
    var = pd.DataFrame({"feature_name": q.var_names.to_numpy()},
                       index=[f"ENSG{i:011d}" for i in range(q.n_vars)])
    cxg = ad.AnnData(X=counts * 0.5, obs=q.obs[[]].copy(), var=var)
    cxg.raw = ad.AnnData(X=counts.copy(), obs=cxg.obs.copy(), var=var.copy())
    cxg.write_h5ad(d / "cxg.h5ad")
    return model, cxg, d


def test_a_query_in_memory_is_told_where_its_symbols_are(setup):
    from jae.io.features import feature_overlap, gene_symbols

    model, cxg, _ = setup
    with pytest.raises(ValueError) as err:  # its names alone: the fix names the column
        feature_overlap(cxg.raw.var_names, model.preprocessor.var_names[0], name="modality 'rna'",
                        symbols=gene_symbols(cxg.raw.var))
    assert HINT in str(err.value) and "adata.var_names = adata.var['feature_name'].astype(str)" in str(err.value)
    renamed = cxg.copy()
    renamed.var_names = renamed.var["feature_name"].astype(str)
    renamed.raw = ad.AnnData(X=cxg.raw.X, obs=cxg.obs.copy(), var=renamed.var.copy())
    by_hand = model.embed(renamed, layer="raw", key_added=None)  # the fix it names works
    assert by_hand.shape[0] == 150
    import numpy as np  # the data itself is read by that column, as renamed

    np.testing.assert_array_equal(model.embed(cxg, layer="raw", key_added=None), by_hand)
    assert list(cxg.var_names[:2]) == ["ENSG00000000000", "ENSG00000000001"]  # the user's data is as it was


def test_jae_embed_of_a_cellxgene_file_names_the_column_in_one_line(setup, tmp_path, caplog):
    _, cxg, d = setup
    args = ["embed", "--model", str(d / "model"), "--layer", "raw", "--finetune-epochs", "0", "-q"]
    assert main([*args, "--mod1", str(d / "cxg.h5ad"), "--out", str(tmp_path / "e.h5ad")]) == 0  # read by the column
    dup = cxg.copy()  # two genes of one symbol the model reads: refused, the column named
    names = dup.raw.var["feature_name"].astype(str).to_numpy()
    names[1] = names[0]
    dup.raw = ad.AnnData(X=cxg.raw.X.copy(), obs=cxg.obs.copy(), var=pd.DataFrame({"feature_name": names},
                                                                                    index=cxg.var_names))
    dup.write_h5ad(tmp_path / "dup.h5ad")
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main([*args, "--mod1", str(tmp_path / "dup.h5ad"), "--out", str(tmp_path / "dup_e.h5ad")])
    assert rc == 1 and not (tmp_path / "dup_e.h5ad").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and HINT.replace("200 of", "199 of") in errors[0], errors


def test_without_the_column_the_naming_schemes_are_named(setup):
    model, cxg, _ = setup
    plain = ad.AnnData(X=cxg.raw.X.copy(), obs=cxg.obs.copy(), var=pd.DataFrame(index=cxg.var_names))
    with pytest.raises(ValueError, match="names genes by Ensembl ID and the model by symbol") as err:
        model.embed(plain, layer=None, key_added=None)
    assert "feature_name" not in str(err.value)
