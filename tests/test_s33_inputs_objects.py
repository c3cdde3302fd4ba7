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


@pytest.mark.parametrize("change", ["modalities subset", "modalities replaced by more cells"])
def test_mudata_not_updated_after_changing_its_modalities_is_refused_before_any_work(cite, change):
    # embed / predict_cell_type did all the work, then failed storing the results with anndata's "Value passed for
    # key 'X_jae' is of incorrect shape"; fit trained on the modalities' cells
    import mudata

    if change == "modalities subset":
        m = cite.copy()
        for name in list(m.mod):
            m.mod[name] = m.mod[name][:80].copy()
        said, cells = "40 cells of mdata.obs are in no modality", 80
    else:
        m = mudata.MuData({name: cite.mod[name][:80].copy() for name in cite.mod})
        for name in list(m.mod):
            m.mod[name] = cite.mod[name].copy()
        said, cells = "40 cells of its modalities are not in mdata.obs", 120
    n_obs = m.n_obs
    with pytest.raises(ValueError, match=rf"^the MuData's obs \({n_obs} cells\) is out of date with its modalities: "
                       rf"{said} \(e\.g\. .*\); call mdata\.update\(\) after changing a modality$"):
        jae.JAE(jae.JAEConfig(max_epochs=1), device="cpu").fit(m, progress_bar=False)
    assert m.n_obs == n_obs  # not updated behind the user's back
    m.update()  # the fix as said
    assert len(jae.io.get_paired(m).obs_names) == m.n_obs == cells


def test_fit_reads_a_reference_series_indexed_by_integer_obs_names_by_name(cite):
    # fit(reference=adata.obs['is_ref']) on one AnnData with integer obs_names said "reference's index lacks 120 of
    # the 120 cells (e.g. '0', '1', '2', ...)", though it was indexed by the data's own obs_names
    one = _one_matrix(cite)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        one.obs_names = pd.Index(np.arange(one.n_obs))
    is_ref = one.obs["batch"] == "s1d1"
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), device="cpu").fit(
        one, reference=is_ref.iloc[::-1], progress_bar=False)  # in another cell order: read by name
    assert model is not None
    from jae.io.features import by_cell_names

    read = by_cell_names(is_ref.iloc[::-1], pd.Index(one.obs_names.astype(str)), what="reference")
    np.testing.assert_array_equal(np.asarray(read), is_ref.to_numpy())
    positional = pd.Series(is_ref.to_numpy())  # the default 0..n-1 index of data named otherwise: row by row
    assert by_cell_names(positional, cite.obs_names, what="reference") is positional
