"""Training targets of counts whose CSR repeats a cell's feature in two entries (files assembled from triplets)."""

import numpy as np
import pytest
import scipy.sparse as sp

from jae.prediction.targets import from_counts


@pytest.mark.parametrize("kind", ["GEX", "ATAC", "ADT"])
def test_repeated_entries_give_the_targets_of_their_sum(kind):
    rng = np.random.default_rng(0)
    dense = rng.poisson(2.0, size=(6, 5)).astype(np.float32)
    canonical = sp.csr_matrix(dense)
    # the same counts with each stored value split into two entries of the same cell and feature
    rows, cols = canonical.nonzero()
    vals = canonical.data
    half = np.floor(vals / 2)
    order = np.argsort(np.repeat(rows, 2), kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=6) * 2)])
    repeated = sp.csr_matrix((np.stack([half, vals - half], 1).ravel()[order], np.repeat(cols, 2)[order], indptr),
                             shape=dense.shape)
    assert not repeated.has_canonical_format and np.array_equal(repeated.toarray(), dense)
    before = repeated.copy()
    got, want = from_counts(repeated, kind), from_counts(canonical, kind)
    got = got.toarray() if sp.issparse(got) else got
    want = want.toarray() if sp.issparse(want) else want
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert repeated.nnz == before.nnz and np.array_equal(repeated.data, before.data)  # the user's matrix untouched
