"""An AnnData of the model's second modality passed alone, without var['feature_types'] (s37 audit).

``mapped.embed(query_mdata["rna"])`` places cells with RNA alone, as the README shows; a user with protein-only
cells passing ``mapped.embed(adt)`` by analogy (proteins named by their panel, no ``feature_types`` column, as in the
shared REAP-seq and many users' files) was told that "modality 'rna' has 0 of the model's features ... none of its
features is one of the model's (another gene panel, organism or peak set), so there is nothing to subset to": wrong
on every count, as the features are the model's proteins. The refusal now says what the data holds and how to pass
it; passed so, the cells are placed.
"""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest


@pytest.fixture(scope="module")
def model_and_proteins(own_cite_model):
    from jae.datasets import simulate

    _, model = own_cite_model("s37_second_alone")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    prot = query["prot"].copy()
    del prot.var["feature_types"]  # a panel named by its antibodies alone
    return model, prot


def test_proteins_alone_are_refused_naming_them_and_the_fix(model_and_proteins):
    import jae

    model, prot = model_and_proteins
    for call in (lambda: model.embed(prot, key_added=None), lambda: jae.impute(model, prot)):
        with pytest.raises(ValueError, match=r"holds 15 of the model's 15 ADT features \(its modality 'prot'\): pass "
                                             r"it as that modality, e.g. mudata.MuData\(\{'prot': adata\}\)") as err:
            call()
        assert "another gene panel" not in str(err.value)


def test_the_fixes_the_refusal_names_place_the_cells(model_and_proteins):
    model, prot = model_and_proteins
    emb = model.embed(md.MuData({"prot": prot}), key_added=None)
    assert emb.shape == (prot.n_obs, len(model.column_names)) and np.isfinite(emb).all()
    marked = prot.copy()
    marked.var["feature_types"] = "Antibody Capture"
    assert np.array_equal(model.embed(marked, key_added=None), emb)


def test_rna_of_another_panel_keeps_its_own_refusal(model_and_proteins):
    model, prot = model_and_proteins
    other = prot.copy()
    other.var_names = [f"GENE{i}" for i in range(other.n_vars)]
    with pytest.raises(ValueError, match="another gene panel, organism or peak set"):
        model.embed(other, key_added=None)
