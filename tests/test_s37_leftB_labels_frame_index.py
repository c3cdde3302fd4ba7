"""predict_cell_type(None, embedding=<DataFrame indexed by cell names>) returned labels indexed 0..n-1, dropping the
frame's cell names (with data given, the same frame is read by name): a user joining the labels back by cell name
matched nothing, or by position the wrong cells. Without data the labels now carry the frame's index (an AnnData's
obs_names, as jae embed's .h5ad read back); the values are those of the same rows given as an array."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def model_and_frame(own_cite_model):
    from jae.datasets import simulate

    _, model = own_cite_model("s37_leftB_frame_index")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    E = model.embed(query, key_added=None)
    order = np.random.default_rng(0).permutation(len(E))  # another order than the data's
    return model, pd.DataFrame(E[order], index=query.obs_names[order])


def test_frame_without_data_keeps_its_cell_names(model_and_frame):
    model, frame = model_and_frame
    labels = model.predict_cell_type(None, embedding=frame)
    assert labels.index.equals(frame.index)
    plain = model.predict_cell_type(None, embedding=frame.to_numpy())
    assert isinstance(plain.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(labels.reset_index(drop=True), plain)


def test_anndata_without_data_keeps_its_obs_names(model_and_frame):
    import anndata as ad

    model, frame = model_and_frame
    adata = ad.AnnData(frame.to_numpy(), obs=pd.DataFrame(index=frame.index))
    assert model.predict_cell_type(None, embedding=adata).index.equals(frame.index)
