"""Counts of lower rank than the SVD's components (most genes all zero in the cells given, cells repeated): the
streaming SVD keeps as many components as the data has directions instead of failing with numpy's IndexError."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp

from jae.preprocess import log_normalize, preprocess
from jae.preprocess.streaming import fit_svd_streaming


def test_repeated_cells_give_one_component_per_direction(caplog):
    rng = np.random.default_rng(0)
    profiles = rng.poisson(2.0, (5, 60)) + np.eye(5, 60, dtype=np.int64)  # 5 distinct cells
    normed = log_normalize(sp.csr_matrix(np.repeat(profiles, 8, axis=0)))  # 40 cells, rank 5
    with caplog.at_level(logging.INFO, logger="jae.preprocess.streaming"):
        basis = fit_svd_streaming(lambda: iter([normed]), n_features=60, n_components=20)
    assert basis.n_components == 5
    np.testing.assert_allclose(basis.components @ basis.components.T, np.eye(5), atol=1e-5)
    assert "rank 5" in caplog.text
    X = normed.toarray()
    residual = X - (X @ basis.components.T) @ basis.components  # the 5 components span every cell
    assert np.abs(residual).max() < 1e-4


def test_preprocess_with_mostly_all_zero_genes():
    rng = np.random.default_rng(1)
    rna = np.zeros((120, 400), dtype=np.int32)
    rna[:, :15] = rng.poisson(3.0, (120, 15)) + 1  # 385 genes never seen in these cells
    atac = (rng.random((120, 300)) < 0.1).astype(np.float32)
    atac[:, 0] = 1
    names = [pd.Index([f"g{i}" for i in range(400)]), pd.Index([f"p{i}" for i in range(300)])]
    pre, X, _ = preprocess([sp.csr_matrix(rna), sp.csr_matrix(atac)], ["GEX", "ATAC"], names, n_components=30)
    assert pre.widths == (15, 30)
    assert X.shape == (120, 45) and np.isfinite(X).all()
