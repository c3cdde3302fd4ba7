"""A gene panel made only of cell-cycle marker genes has no control genes to score against: ``preprocess`` warns
and fits without cell-cycle scores (as for a panel without the markers), instead of failing after a pass."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp

from jae.preprocess import preprocess
from jae.preprocess.cell_cycle import cell_cycle_genes


@pytest.mark.parametrize("pick", ["s_and_one_g2m", "one_s_and_g2m"])
def test_panel_of_only_cell_cycle_genes_warns_and_fits_without_scores(pick, caplog):
    s, g2m = cell_cycle_genes("human")
    genes = np.array(list(s) + [g2m[0]] if pick == "s_and_one_g2m" else [s[0]] + list(g2m))
    rng = np.random.default_rng(0)
    rna = sp.csr_matrix(rng.poisson(1.0, size=(100, len(genes))).astype(np.float32))
    prot = sp.csr_matrix(rng.poisson(3.0, size=(100, 10)).astype(np.float32) + 1)
    with caplog.at_level(logging.WARNING, logger="jae"):
        pre, X, phase = preprocess([rna, prot], ["GEX", "ADT"], [genes, np.array([f"p{i}" for i in range(10)])],
                                   organism="human", n_components=2)
    assert X.shape[0] == 100 and np.isnan(phase).all()
    assert "no cell-cycle scores" in caplog.text and "no control genes" in caplog.text
