"""In-memory objects as scanpy and scvi-tools users hand them to jae: unusual but valid layouts work, and the
object passed is never changed beyond what jae documents storing."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def cite():
    return simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)


def _one_matrix(mdata) -> ad.AnnData:
    """scanpy's layout: genes and proteins side by side, marked by var['feature_types']."""
    rna, prot = mdata.mod["rna"], mdata.mod["prot"]
    var = pd.concat([rna.var, prot.var])
    var["feature_types"] = ["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * prot.n_vars
    X = sp.hstack([rna.layers["counts"], prot.layers["counts"]]).tocsr()
    one = ad.AnnData(X=X, obs=mdata.obs.copy(), var=var)
    one.layers["counts"] = X.copy()
    return one


def test_evaluate_one_anndata_with_integer_obs_names_reads_its_cell_types(cite):
    # adata.obs_names = range(n) keeps integers; MuData names those cells '0', '1', ...: the cell types and batches
    # were joined by name onto no cell, and evaluate said obs['cell_type'] gives a cell type to 0 of the 120 cells
    one = _one_matrix(cite)
    with warnings.catch_warnings():  # anndata warns, and keeps them
        warnings.simplefilter("ignore", UserWarning)
        one.obs_names = pd.Index(np.arange(one.n_obs))
    one.obsm["X_emb"] = np.random.default_rng(0).normal(size=(one.n_obs, 8)).astype(np.float32)
    index = one.obs_names.copy()
    table = jae.evaluate(one, ["X_emb"], report=False, progress_bar=False)
    named = _one_matrix(cite)
    named.obsm["X_emb"] = one.obsm["X_emb"]
    expected = jae.evaluate(named, ["X_emb"], report=False, progress_bar=False)
    pd.testing.assert_frame_equal(table, expected)  # the same cells, types and batches: the same scores
    assert one.obs_names.equals(index) and one.obs_names.dtype == np.int64  # the user's object is not changed


@pytest.mark.parametrize("shared", [False, True])
def test_one_anndata_repeating_gene_names_is_refused_naming_that_anndata(cite, shared):
    # Cell Ranger repeats some gene names; read as one AnnData (scanpy.read_10x_h5(..., gex_only=False)), jae said
    # "modality 'rna' has 50 duplicated feature names ... adata.var_names_make_unique() on that modality", a modality
    # the user never made
    one = _one_matrix(cite)
    names = [f"g{i % 150}" if i < 200 else n for i, n in enumerate(one.var_names)]
    if shared:  # an antibody named as a gene: var_names_make_unique() would rename it too
        names[200] = "g7"
    with warnings.catch_warnings():  # anndata's own warning about repeated names
        warnings.simplefilter("ignore", UserWarning)
        one.var_names = names
    with pytest.raises(ValueError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        jae.JAE(jae.JAEConfig(max_epochs=1), device="cpu").fit(one, progress_bar=False)
    message = str(caught.value)
    assert message.startswith("the AnnData repeats 50 Gene Expression feature names (e.g. 'g0'")
    assert "adata.var_names_make_unique()" in message and "modality" not in message
    assert ("'g7'" in message and "rename the repeated ones alone" in message) == shared
    assert list(one.var_names) == names  # nothing renamed in the user's object


def test_evaluate_a_dataframe_embedding_indexed_by_integer_obs_names(cite):
    # the data's cells (integer obs_names) are read as '0', '1', ...: a DataFrame indexed by the AnnData's own
    # obs_names was refused, "lacks 120 of the 120 cells (e.g. ['0', '1', '2'])"
    one = _one_matrix(cite)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        one.obs_names = pd.Index(np.arange(one.n_obs))
    E = np.random.default_rng(0).normal(size=(one.n_obs, 8)).astype(np.float32)
    order = np.random.default_rng(1).permutation(one.n_obs)  # read by name, not row by row
    frame = pd.DataFrame(E[order], index=one.obs_names[order])
    table = jae.evaluate(one, {"e": frame}, report=False, progress_bar=False)
    expected = jae.evaluate(one, {"e": E}, report=False, progress_bar=False)
    pd.testing.assert_frame_equal(table, expected)
