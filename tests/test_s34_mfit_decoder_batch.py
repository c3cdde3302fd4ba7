"""jae.impute's decoder prediction of a decoder_batch=True model gave the decoder zeros for its batch input, even for
cells of the batches it was fitted on (training gave it their one-hot): the cells now get their batch when the data
holds the model's fit batch column; zeros stay for new batches, cells without one, and data lacking the column."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from jae import JAE, JAEConfig, impute
from jae.datasets import simulate


@pytest.fixture(scope="module")
def fitted():
    m = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    model = JAE(JAEConfig(max_epochs=5, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(m, progress_bar=False)
    return m, model


def _by_hand(model, rna, onehot):
    from jae.query import query_features

    X = query_features(model, rna, layer="counts").X
    net = model.network.eval()
    w = model.preprocessor.widths
    with torch.no_grad():
        x = torch.as_tensor(X)
        out = net.decode(net.encode(x), torch.as_tensor(onehot, dtype=torch.float32)).numpy()[:, w[0]:w[0] + w[1]]
    return np.clip(out, 0, None)


def test_a_decoder_taking_the_batch_gets_each_cells_batch(fitted, caplog):
    m, model = fitted
    pick = np.r_[0:20, m.n_obs - 20:m.n_obs]  # cells of both batches
    rna = m["rna"][pick].copy()
    rna.obs["batch"] = m.obs["batch"].iloc[pick].astype(str).to_numpy()
    out = impute(model, rna, modality="prot")
    codes = model._batch_codes(rna.obs["batch"])
    assert (codes >= 0).all() and len(set(codes)) == 2
    onehot = np.eye(len(model.batches), dtype=np.float32)[codes]
    assert np.allclose(out.X, _by_hand(model, rna, onehot), atol=1e-6)
    zeros = _by_hand(model, rna, np.zeros_like(onehot))
    assert np.abs(out.X - zeros).max() > 1e-4  # the old prediction (the decoder's batch term is small here)
    # a new batch and a cell without one: zeros, as fine-tuning gives them
    rna.obs["batch"] = rna.obs["batch"].astype(object)
    rna.obs.iloc[0, rna.obs.columns.get_loc("batch")] = "new"
    rna.obs.iloc[1, rna.obs.columns.get_loc("batch")] = None
    part = impute(model, rna, modality="prot")
    onehot[:2] = 0
    assert np.allclose(part.X, _by_hand(model, rna, onehot), atol=1e-6)
    # data without the model's batch column: zeros for every cell, said in a log line
    del rna.obs["batch"]
    with caplog.at_level(logging.INFO, logger="jae.imputation.run"):
        bare = impute(model, rna, modality="prot")
    assert np.allclose(bare.X, zeros, atol=1e-6)
    assert "the data has no obs['batch']" in caplog.text
