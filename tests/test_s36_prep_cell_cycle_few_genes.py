"""An RNA panel of a few dozen genes holding cell-cycle markers: each expression bin holds one or two genes, so no
control genes are left beside the markers. preprocess (JAE.fit) failed after the SVD fit with "pass the full
log-normalised gene matrix, not only the cell-cycle genes" (the user had); now it warns and skips the phase, as
when too few markers are present."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp

from jae.preprocess import cell_cycle_genes, preprocess


def test_a_panel_without_control_genes_fits_without_phase_scores(caplog):
    rng = np.random.default_rng(0)
    s, g2m = cell_cycle_genes("human")
    genes = pd.Index(s[:3] + g2m[:3] + [f"G{i}" for i in range(20)])
    rna = sp.csr_matrix(rng.poisson(3.0, (100, len(genes))) + 1)
    atac = sp.csr_matrix((rng.random((100, 50)) < 0.2) | (np.arange(50) == 0)).astype(np.float32)
    names = [genes, pd.Index([f"p{i}" for i in range(50)])]
    with caplog.at_level(logging.WARNING, logger="jae.preprocess.pipeline"):
        pre, X, phase = preprocess([rna, atac], ["GEX", "ATAC"], names, n_components=10, organism="human")
    assert "no cell-cycle scores" in caplog.text and "26 genes" in caplog.text
    assert phase.shape == (100, 2) and np.isnan(phase).all()
    _, X_alone, _ = preprocess([rna, atac], ["GEX", "ATAC"], names, n_components=10)
    np.testing.assert_array_equal(X, X_alone)
