"""JAEConfig(n_svd=...) above a modality's rank (near its number of features, some of them never counted): the fit
failed in the streaming SVD with numpy's "shape mismatch: indexing arrays could not be broadcast together"; it now
keeps the components the data has, as it did for n_svd above the number of cells or features."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def test_streaming_svd_keeps_the_components_a_rank_deficient_matrix_has():
    from jae.preprocess.streaming import fit_svd_streaming

    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(60, 12)).astype(np.float32)
    X[:, [2, 5, 7]] = 0  # features no cell has: rank 9 of 12 columns
    basis = fit_svd_streaming(lambda: iter([sp.csr_matrix(X)]), n_features=12, n_components=11, seed=0)
    n = basis.components.shape[0]
    assert n == 9
    np.testing.assert_allclose(basis.components @ basis.components.T, np.eye(n), atol=1e-5)
    # signs as documented: each component's largest-magnitude entry is positive
    rows = np.arange(n)
    assert (basis.components[rows, np.abs(basis.components).argmax(axis=1)] > 0).all()


def test_a_fit_with_n_svd_above_the_rank_of_a_modality_runs(caplog):
    import logging

    import jae

    mdata = jae.simulate(300, n_genes=200, n_peaks=250, n_cell_types=3, n_batches=2, seed=0)
    config = jae.JAEConfig(n_svd=199, max_epochs=1)
    with caplog.at_level(logging.INFO, logger="jae.preprocess.streaming"):
        model = jae.JAE(config, seed=0).fit(mdata, progress_bar=False, finetune=False)
    assert any("the data's rank allows" in m for m in caplog.messages)
    embedding = model.embed(mdata, key_added=None)
    assert embedding.shape[0] == mdata.n_obs and np.isfinite(embedding).all()
