"""``embed_transformed`` / ``latent_transformed`` of a mapped model with ``batch`` labels that are not one per cell:
one line naming ``batch`` and the counts, as ``finetune_transformed`` says it. Before, a list of the wrong length
raised numpy's "boolean index did not match indexed array" from inside the adapter, and one text pandas'
"Index(...) must be called with a collection of some kind"."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def mapped():
    mdata = jae.simulate(n_cells=400, seed=0)
    query = mdata[:200].copy()
    query.obs["batch"] = "new_" + query.obs["batch"].astype(str)
    model = jae.JAE(jae.JAEConfig(max_epochs=1)).fit(mdata, progress_bar=False)
    mapped = model.map_query(query, epochs=1, progress_bar=False)
    X = np.random.default_rng(0).normal(size=(3, model.preprocessor.n_output)).astype(np.float32)
    return mapped, X, str(query.obs["batch"].iloc[0])


@pytest.mark.parametrize("method", ["embed_transformed", "latent_transformed"])
@pytest.mark.parametrize("n", [2, 4])
def test_wrong_number_of_labels(mapped, method, n):
    model, X, batch = mapped
    with pytest.raises(ValueError, match=rf"^batch has {n} labels for 3 cells; pass one label per cell"):
        getattr(model, method)(X, batch=[batch] * n)


@pytest.mark.parametrize("method", ["embed_transformed", "latent_transformed"])
def test_single_value(mapped, method):
    model, X, batch = mapped
    with pytest.raises(ValueError, match=r"^batch must hold one label per cell \(3 cells\), not the single value"):
        getattr(model, method)(X, batch=batch)


@pytest.mark.parametrize("method", ["embed_transformed", "latent_transformed"])
def test_one_label_per_cell_still_shifts(mapped, method):
    model, X, batch = mapped
    shifted = getattr(model, method)(X, batch=np.array([batch] * 3))
    assert shifted.shape[0] == 3 and np.isfinite(shifted).all()
    assert not np.array_equal(shifted, getattr(model, method)(X))  # the query batch's shift is applied
