"""An AnnData passed where the preprocessing's functions take a matrix: one line saying to pass its matrix."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate
from jae.preprocess import CellCycleScorer, fit_svd, log_normalize, score_cell_cycle


def test_an_anndata_given_as_the_matrix_is_refused_naming_the_matrix_to_pass():
    # numpy read it as a sequence: "ValueError: setting an array element with a sequence. The requested array would
    # exceed the maximum number of dimension of 64" (score_cell_cycle: "'AnnData' object has no attribute 'ndim'")
    m = simulate(60, kind="cite", n_genes=200, n_proteins=4, seed=3)
    rna = m.mod["rna"]
    X = log_normalize(rna.layers["counts"])
    basis = fit_svd(X, 5)
    calls = {
        r"log_normalize: X is an AnnData, not a matrix; pass its matrix, e\.g\. log_normalize\(adata\.layers\['counts'\]\)":
            lambda: log_normalize(rna),
        r"fit_svd: X is an AnnData": lambda: fit_svd(rna, 5),
        r"SVDBasis\.transform: X is an AnnData": lambda: basis.transform(rna),
        r"score_cell_cycle: X_lognorm is an AnnData, not a matrix; pass its matrix, e\.g\. score_cell_cycle\(": lambda:
            score_cell_cycle(rna, rna.var_names),
        r"CellCycleScorer\.add: X_lognorm is an AnnData": lambda: CellCycleScorer(rna.var_names).add(rna),
        r"log_normalize: X is a MuData": lambda: log_normalize(m),
    }
    for match, call in calls.items():
        with pytest.raises(TypeError, match="^" + match):
            call()
    assert np.isfinite(basis.transform(X)).all()
