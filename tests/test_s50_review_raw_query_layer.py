"""A model fitted with ``layer='raw'`` (the counts in ``.raw``, every gene) and a query embedded with the default
layer, whose ``layers['counts']`` scanpy cut to the highly variable genes with ``.X``: jae refused for too few of the
model's genes and told the user to refit a reference on the shared features, though the query's ``.raw`` held every
one of them. The refusal now names ``layer='raw'`` first, with how many of the model's features ``.raw`` holds;
where ``.raw`` holds too few, or was read, the refusal is as before."""

import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae


@pytest.fixture(scope="module")
def fitted():
    mdata = jae.simulate(300, kind="cite", n_genes=300, n_proteins=8, n_cell_types=3, n_batches=2, seed=5)
    rna = mdata["rna"].copy()
    rna.raw = rna.copy()  # scanpy's adata.raw = adata.copy() before normalising: every gene's counts
    reference = rna[:200].copy()
    counts = mdata["prot"].layers["counts"]
    protein = pd.DataFrame(np.asarray(counts.todense() if hasattr(counts, "todense") else counts),
                           index=rna.obs_names, columns=mdata["prot"].var_names)
    reference.obsm["protein_expression"] = protein.iloc[:200]
    reference.obs = mdata.obs.iloc[:200].copy()
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(reference, layer="raw", progress_bar=False)
    query = rna[200:, :90].copy()  # .X and layers['counts'] cut to 90 genes ("highly variable"); .raw keeps all 300
    query.obs = mdata.obs.iloc[200:].copy()
    query.obsm["protein_expression"] = protein.iloc[200:]
    assert query.raw.n_vars == 300 and query.layers["counts"].shape[1] == 90
    return model, query, mdata["prot"][200:].copy()


FIX = ("its .raw holds the counts of 300 of them: pass layer='raw' to read those (as a model fitted with "
       "layer='raw' read its features); else ")


def test_one_anndata_query_names_layer_raw_and_it_works(fitted):
    model, query, _ = fitted
    with pytest.raises(ValueError) as err:
        model.embed(query, key_added=None)
    text = str(err.value)
    assert text.startswith("modality 'rna' has 90 of the model's 300 features (30%;")
    assert f"below the 50% jae needs to place its cells: {FIX}fit a reference on features" in text
    assert model.embed(query, layer="raw", key_added=None).shape == (100, len(model.column_names))


def test_mudata_query_names_layer_raw(fitted):
    model, query, prot = fitted
    rna = query.copy()
    del rna.obsm["protein_expression"]
    mdata = md.MuData({"rna": rna, "prot": prot})
    with pytest.raises(ValueError, match="jae needs to place its cells: " + FIX.replace(".", r"\.").replace("(", r"\(")
                       .replace(")", r"\)")):
        model.predict_cell_type(mdata)
    assert len(model.predict_cell_type(mdata, layer="raw")) == 100


def test_raw_holding_too_few_or_no_counts_leaves_the_refusal_as_it_was(fitted):
    import scanpy as sc

    model, query, _ = fitted
    cut = query.copy()
    cut.raw = cut.copy()  # .raw as cut as layers['counts']: no help there
    normalised = query.raw.to_adata()
    sc.pp.normalize_total(normalised)
    sc.pp.log1p(normalised)
    logged = query.copy()
    logged.raw = normalised  # scanpy's adata.raw = adata after log1p: every gene, but no counts
    for data in (cut, logged):
        with pytest.raises(ValueError) as err:
            model.embed(data, key_added=None)
        assert "its .raw holds" not in str(err.value)
        assert "jae needs to place its cells: fit a reference" in str(err.value)


def test_predictor_trained_on_raw_names_layer_raw_for_a_cut_query():
    """The same for jae.ModalityPredictor: trained with layer='raw', it predicts from every source feature, so a query
    read from its cut layers['counts'] was told to train a new predictor on the features it has."""
    mdata = jae.simulate(300, kind="cite", n_genes=300, n_proteins=8, n_cell_types=3, n_batches=2, seed=6)
    rna = mdata["rna"].copy()
    rna.raw = rna.copy()
    predictor = jae.ModalityPredictor(method="ridge").fit(rna[:200].copy(), mdata["prot"][:200].copy(), layer="raw",
                                                          progress_bar=False)
    query = rna[200:, :90].copy()
    with pytest.raises(ValueError, match=r"and 0 are extra; its \.raw holds the counts of every one of them: pass "
                                         r"layer='raw' to read those \(as a predictor trained with layer='raw' read "
                                         r"its features\); else the predictor reads every source feature"):
        predictor.predict(query)
    assert predictor.predict(query, layer="raw").shape == (100, 8)
