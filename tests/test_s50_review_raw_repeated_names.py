"""Gene names repeated in ``.raw`` and read with ``layer='raw'``: scanpy users set ``adata.raw = adata.copy()`` and
then call ``adata.var_names_make_unique()``, which renames ``.X``'s names alone. jae refused the repeats of ``.raw``
with the fix ``adata.var_names_make_unique()``, which left ``.raw`` as it was, so the same refusal came back after
it. The refusal now names ``.raw`` and a fix that makes its names unique, for a MuData's modality, one AnnData in
scvi-tools' layout and ``jae.predict``; a gene and a protein sharing a name in ``.raw`` stay allowed."""

import warnings

import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae

FIX = "raw = adata.raw.to_adata(); raw.var_names_make_unique(); adata.raw = raw"


def _rna_raw_repeating(rna):
    """The RNA as scanpy users hold it: the counts in ``.raw`` with two genes of one name, ``.X`` log-normalised under
    names made unique after ``.raw`` was set."""
    import scanpy as sc

    rna = rna.copy()
    del rna.layers["counts"]
    names = rna.var_names.tolist()
    names[3] = names[4]
    with warnings.catch_warnings():  # anndata's 'names are not unique': the user's data as it is
        warnings.simplefilter("ignore", UserWarning)
        rna.var_names = names
        rna.raw = rna.copy()
        rna.var_names_make_unique()
    sc.pp.normalize_total(rna)
    sc.pp.log1p(rna)
    assert rna.raw.var_names.has_duplicates and not rna.var_names.has_duplicates
    return rna, names[4]


def _fix(adata):  # the refusal's fix, as the user types it
    with warnings.catch_warnings():  # anndata's 'names are not unique', which the next line mends
        warnings.simplefilter("ignore", UserWarning)
        raw = adata.raw.to_adata()
    raw.var_names_make_unique()
    adata.raw = raw
    return adata


@pytest.fixture(scope="module")
def cite():
    return jae.simulate(200, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=3)


def test_mudata_modality_raw_repeats_name_raw_and_the_fix_works(cite):
    rna, gene = _rna_raw_repeating(cite["rna"])
    prot = cite["prot"].copy()
    prot.X = prot.layers["counts"].copy()  # proteins read from .X, having no .raw
    mdata = md.MuData({"rna": rna, "prot": prot})
    mdata.obs = cite.obs.copy()
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0)
    with pytest.raises(ValueError) as err:
        model.fit(mdata, layer="raw", progress_bar=False)
    text = str(err.value)
    assert text.startswith(f"the .raw of modality 'rna', read for layer='raw', repeats 1 feature name (e.g. '{gene}')")
    assert FIX in text and "\n" not in text
    _fix(mdata["rna"])
    model.fit(mdata, layer="raw", progress_bar=False)  # the fix given is the fix
    assert model.embed(mdata, layer="raw", key_added=None).shape[0] == mdata.n_obs
    query, _ = _rna_raw_repeating(cite["rna"])  # a query of RNA alone, its .raw repeating a name: refused alike
    with pytest.raises(ValueError, match=r"^the \.raw of the AnnData, read for layer='raw', repeats 1 feature name"):
        model.embed(query, layer="raw", key_added=None)


def test_steps_matching_no_names_read_such_data_as_before(cite):
    rna, _ = _rna_raw_repeating(cite["rna"])
    prot = cite["prot"].copy()
    prot.X = prot.layers["counts"].copy()
    mdata = md.MuData({"rna": rna, "prot": prot})
    assert jae.baseline.svd_baseline_from(mdata, layer="raw").shape[0] == mdata.n_obs  # the SVD baseline


def test_one_anndata_scvi_layout_raw_repeats(cite):
    adata, gene = _rna_raw_repeating(cite["rna"])
    adata.obs = cite.obs.copy()
    counts = cite["prot"].layers["counts"]
    adata.obsm["protein_expression"] = pd.DataFrame(np.asarray(counts.todense() if hasattr(counts, "todense")
                                                                else counts),
                                                    index=adata.obs_names, columns=cite["prot"].var_names)
    with pytest.raises(ValueError, match=r"^the \.raw of the AnnData, read for layer='raw', repeats 1 feature name "
                                         rf"\(e\.g\. '{gene}'\).*" + FIX.replace(".", r"\.").replace("(", r"\(")
                                         .replace(")", r"\)")):
        jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(adata, layer="raw", progress_bar=False)


def test_predict_raw_repeats_name_the_source(cite):
    source, gene = _rna_raw_repeating(cite["rna"])
    with pytest.raises(ValueError, match=rf"^the \.raw of train_source, read for layer='raw', repeats 1 feature name "
                                         rf"\(e\.g\. '{gene}'\)"):
        jae.predict(source, cite["prot"], source, method="ridge", layer="raw", progress_bar=False)
    fixed = _fix(source)
    out = jae.predict(fixed, cite["prot"], fixed, method="ridge", layer="raw", progress_bar=False)
    assert out.shape == (cite.n_obs, cite["prot"].n_vars)


def test_a_gene_and_a_protein_sharing_a_name_in_raw_stay_allowed(cite):
    import anndata as ad
    import scipy.sparse as sp

    rna, prot = cite["rna"], cite["prot"]
    genes = rna.var_names.tolist()
    genes[0] = str(prot.var_names[0])  # a gene named as a protein (CD4 and CD4)
    var = pd.DataFrame({"feature_types": ["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * prot.n_vars},
                       index=genes + prot.var_names.tolist())
    counts = sp.hstack([sp.csr_matrix(rna.layers["counts"]), sp.csr_matrix(prot.layers["counts"])]).tocsr()
    with warnings.catch_warnings():  # anndata's 'names are not unique': CD4 the gene and CD4 the protein
        warnings.simplefilter("ignore", UserWarning)
        adata = ad.AnnData(counts.astype(np.float32), obs=cite.obs.copy(), var=var)
        adata.raw = adata.copy()
    adata.X = adata.X.multiply(1 / adata.X.sum(axis=1)).tocsr()  # .X normalised: the counts are in .raw alone
    mods = jae.io.split_anndata(adata, layer="raw")
    assert set(mods) == {"rna", "prot"} and mods["rna"].var_names[0] == mods["prot"].var_names[0]
