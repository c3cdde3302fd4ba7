"""scvi-tools' CITE-seq layout with the proteins as an array in obsm['protein_expression'] and their names in
uns['protein_names'] (scvi.data.synthetic_iid, setup_anndata(protein_names_uns_key='protein_names')): the names were
not read (jae read only uns['protein_expression_names']), the proteins were named protein_0, ... by position, and a
query whose panel came in another column order was matched column by column to the wrong proteins, in silence."""

import numpy as np
import pytest

import jae
from jae.io import split_anndata


def _protein_counts(mdata):
    counts = mdata["prot"].layers["counts"]
    return np.asarray(counts.todense() if hasattr(counts, "todense") else counts)


def _scvi_array_layout(mdata, order):
    adata = mdata["rna"].copy()
    adata.obs = mdata.obs.copy()
    counts = _protein_counts(mdata)
    adata.obsm["protein_expression"] = counts[:, order]
    adata.uns["protein_names"] = np.asarray(mdata["prot"].var_names)[order]
    return adata


def test_protein_names_in_scvi_tools_uns_key_are_read():
    mdata = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)
    order = np.arange(8)[::-1]
    mods = split_anndata(_scvi_array_layout(mdata, order))
    assert list(mods["prot"].var_names) == list(np.asarray(mdata["prot"].var_names)[order])
    np.testing.assert_array_equal(np.asarray(mods["prot"].X), _protein_counts(mdata)[:, order])


def test_query_panel_in_another_order_embeds_as_the_reference_order():
    mdata = jae.simulate(300, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    reference = _scvi_array_layout(mdata, np.arange(10))
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0).fit(reference, progress_bar=False)
    assert list(model.preprocessor.var_names[1]) == list(mdata["prot"].var_names)  # not protein_0, ...
    expected = model.embed(reference, key_added=None)
    query = _scvi_array_layout(mdata, np.random.default_rng(0).permutation(10))  # the same cells, panel reordered
    np.testing.assert_allclose(model.embed(query, key_added=None), expected, rtol=1e-5, atol=1e-5)


def test_names_of_another_length_are_refused_naming_the_key():
    mdata = jae.simulate(120, kind="cite", n_genes=200, n_proteins=6, n_cell_types=3, n_batches=2, seed=2)
    adata = _scvi_array_layout(mdata, np.arange(6))
    adata.uns["protein_names"] = adata.uns["protein_names"][:-1]
    with pytest.raises(ValueError, match=r"^uns\['protein_names'\] holds 5 protein names but "):
        split_anndata(adata)
