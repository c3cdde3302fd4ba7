"""uns['jae'] records and the files jae writes, as other tools read them back (session 33's audit)."""

from __future__ import annotations

import mudata as md
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def two_models():
    """Two models of one seed, modalities and cell types, fitted with other epochs."""
    m = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, seed=1)
    a = JAE(JAEConfig(max_epochs=2, n_svd=8), seed=3, device="cpu").fit(m, progress_bar=False)
    b = JAE(JAEConfig(max_epochs=3, n_svd=8), seed=3, device="cpu").fit(m, progress_bar=False)
    return m, a, b


def test_an_embedding_of_another_model_with_the_same_seed_and_cell_types_is_refused(two_models, tmp_path):
    m, a, b = two_models
    assert a.column_names == b.column_names and a.seed == b.seed
    data = m.copy()
    a.embed(data, key_added="X_jae")
    data.write(tmp_path / "e.h5mu")
    back = md.read_h5mu(tmp_path / "e.h5mu")
    a.predict_cell_type(back, embedding="X_jae")  # its own model: accepted after the round trip
    with pytest.raises(ValueError, match=r"differs in its weights"):
        b.predict_cell_type(back, embedding="X_jae")
    a.save(tmp_path / "m")
    JAE.load(tmp_path / "m", device="cpu").predict_cell_type(back, embedding="X_jae")  # a loaded copy: the same


def test_a_record_without_weights_from_an_older_jae_is_still_accepted(two_models):
    m, a, b = two_models
    data = m.copy()
    a.embed(data, key_added="X_jae")
    del data.uns["jae"]["weights"]
    assert len(b.predict_cell_type(data, embedding="X_jae")) == data.n_obs


def test_the_record_of_another_key_sharing_the_uns_key_is_not_read_as_this_embeddings(two_models):
    """obsm['jae'] and obsm['X_jae'] both keep their record in uns['jae']: an embedding stored under 'jae', then
    another model's under 'X_jae', was refused as made by another state of its own model."""
    m, a, b = two_models
    data = m.copy()
    a.embed(data, key_added="jae")
    b.embed(data, key_added="X_jae")
    assert data.uns["jae"]["obsm_key"] == "X_jae"
    assert len(a.predict_cell_type(data, embedding="jae")) == data.n_obs
    with pytest.raises(ValueError, match="differs in its weights"):
        a.predict_cell_type(data, embedding="X_jae")  # the record of 'X_jae' is still read
