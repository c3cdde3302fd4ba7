"""SVDBasis.transform on the scipy sparse formats fit_svd accepts that scipy cannot slice into row blocks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.preprocess import fit_svd, log_normalize


@pytest.mark.parametrize("fmt", ["coo_matrix", "bsr_matrix"])
def test_svd_basis_transforms_every_sparse_format_as_csr(fmt):
    # a COO matrix (accepted by fit_svd) failed with "TypeError: 'coo_matrix' object is not subscriptable", BSR with
    # NotImplementedError
    X = log_normalize(simulate(60, kind="cite", n_genes=200, n_proteins=4, seed=2).mod["rna"].layers["counts"])
    basis = fit_svd(X, 5)
    Y = getattr(sp, fmt)(X)
    np.testing.assert_array_equal(basis.transform(Y), basis.transform(X))
