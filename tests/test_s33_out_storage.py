"""key_added= replacing an obsm entry the data already holds (session 33's audit)."""

from __future__ import annotations

import logging

import numpy as np

from jae.datasets import simulate


def test_key_added_replacing_scanpys_obsm_entry_says_so(own_cite_model, caplog):
    """model.embed(adata, key_added='X_pca') replaced scanpy's PCA without a word."""
    _, model = own_cite_model("s33_out_key_added")
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, seed=2)
    data.obsm["X_pca"] = np.zeros((data.n_obs, 5), dtype=np.float32)
    with caplog.at_level(logging.INFO, logger="jae.storage"):
        model.embed(data, key_added="X_pca")
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "jae.storage"]
    assert said == [(logging.WARNING, "obsm['X_pca'] held an array not made by jae; it is replaced by this embedding "
                                      "(pass another key_added to keep it)")]
    assert data.obsm["X_pca"].shape[1] == len(model.column_names)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae.storage"):
        model.embed(data, key_added="X_pca")  # jae's own embedding again: an info line
    assert [(r.levelno, r.getMessage().split(";")[0]) for r in caplog.records if r.name == "jae.storage"] == [
        (logging.INFO, "obsm['X_pca'] held an earlier jae embedding")]


def test_key_added_naming_a_modality_of_the_mudata_is_refused(own_cite_model, tmp_path):
    """model.embed(mdata, key_added='rna') stored the embedding in obsm['rna'], where MuData keeps the modality's
    cell mask: mdata.write wrote the mask over it, and it read back as a (n_cells, 1) bool column."""
    import pytest

    _, model = own_cite_model("s33_out_key_modality")
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, seed=2)
    before = data.obsm["rna"].copy()
    for call in (model.embed, model.latent):
        with pytest.raises(ValueError, match=r"^key_added='rna' is the name of a modality of the MuData, whose cell "
                                             r"mask MuData keeps in obsm\['rna'\] and writes over the embedding: pass "
                                             r"another key_added \(e\.g\. key_added='X_jae"):
            call(data, key_added="rna")
    assert np.array_equal(data.obsm["rna"], before) and "jae_rna" not in data.uns
