"""predict_cell_type(embedding=KEY) where obsm[KEY] holds model.latent's output (the network's raw latent, stored with
key_added) said "was made by another state of this model: its record uns[...] differs in its columns", though the
same model made it: it is the latent, not an embedding. The refusal now says so, and which call stores the
embedding."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=6)


@pytest.mark.parametrize("key", ["X_jae", "X_jae_latent"])
def test_latent_is_named_as_such(cells, own_cite_model, key):
    _, model = own_cite_model(f"s38_latent_{key}")
    data = cells.copy()
    latent = model.latent(data, key_added=key)
    assert latent.shape[1] != len(model.column_names)
    with pytest.raises(ValueError, match=rf"embedding='{key}' holds the model's latent \(model.latent: "
                                         rf"{latent.shape[1]} columns.*not its embedding \(model.embed: "
                                         rf"{len(model.column_names)} columns\)"):
        model.predict_cell_type(data, embedding=key)
    assert "another state" not in str(pytest.raises(ValueError, model.predict_cell_type, data, embedding=key).value)


def test_embedding_still_read_and_other_states_still_refused(cells, own_cite_model):
    _, model = own_cite_model("s38_latent_embedding")
    data = cells.copy()
    model.embed(data)
    labels = model.predict_cell_type(data, embedding="X_jae")
    assert len(labels) == data.n_obs and np.isfinite(labels["confidence"]).all()
    model.finetune(cells.copy(), progress_bar=False)
    with pytest.raises(ValueError, match="was made by another state of this model"):
        model.predict_cell_type(data, embedding="X_jae")
