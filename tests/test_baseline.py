"""The seed's SVD-concat baseline."""

from __future__ import annotations

import mudata as md
import numpy as np
import anndata as ad
import pytest
import scipy.sparse as sp

from jae.baseline import MAX_DIMS, _budgets, svd_baseline, svd_baseline_from
from jae.preprocess import fit_svd, log_normalize


def _counts(n=120, p=300, seed=0):
    rng = np.random.default_rng(seed)
    return sp.csr_matrix(rng.poisson(rng.gamma(0.5, 1.0, p), (n, p)).astype(np.float32) + (rng.random((n, p)) < 0.01))


def test_budget_split():
    assert _budgets([5000, 100000], ["GEX", "ATAC"], 100) == [50, 50]
    assert _budgets([5000, 134], ["GEX", "ADT"], 100) == [50, 50]  # ADT larger than its share: SVD
    assert _budgets([5000, 14], ["GEX", "ADT"], 100) == [86, None]  # small panel kept whole, rest to GEX
    assert _budgets([5000, 300], ["GEX", "ATAC"], 101) == [50, 51]


def test_blocks_are_the_per_modality_svds():
    gex, atac = _counts(p=300, seed=1), _counts(p=400, seed=2)
    E = svd_baseline([gex, atac], ["GEX", "ATAC"], n_dims=20, seed=3)
    assert E.shape == (120, 20) and E.dtype == np.float32
    for block, X in ((E[:, :10], gex), (E[:, 10:], atac)):
        expected = fit_svd(log_normalize(X), 10, seed=3).transform(log_normalize(X))
        np.testing.assert_allclose(block, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(E, svd_baseline([gex, atac], ["GEX", "ATAC"], n_dims=20, seed=3))


def test_small_adt_panel_is_used_as_is():
    gex, adt = _counts(p=300, seed=1), _counts(p=14, seed=2)
    E = svd_baseline([gex, adt.toarray()], ["GEX", "adt"], seed=0)
    assert E.shape == (120, MAX_DIMS)
    np.testing.assert_allclose(E[:, -14:], log_normalize(adt).toarray(), rtol=1e-6)


def test_never_wider_than_the_competition_limit():
    E = svd_baseline([_counts(p=600), _counts(p=700, seed=5)], ["GEX", "ATAC"])
    assert E.shape[1] <= 100


def test_from_mudata_and_errors():
    gex, atac = _counts(p=300, seed=1), _counts(p=400, seed=2)
    mods = {}
    for name, X in (("rna", gex), ("atac", atac)):
        a = ad.AnnData(X.copy())
        a.layers["counts"] = X
        a.obs_names = [f"c{i}" for i in range(X.shape[0])]
        a.var_names = [f"{name}{j}" for j in range(X.shape[1])]
        mods[name] = a
    E = svd_baseline_from(md.MuData(mods), n_dims=20, seed=3)
    np.testing.assert_allclose(E, svd_baseline([gex, atac], ["GEX", "ATAC"], n_dims=20, seed=3), rtol=1e-5)
    with pytest.raises(ValueError, match="different numbers of cells"):
        svd_baseline([gex, atac[:10]], ["GEX", "ATAC"])
    with pytest.raises(ValueError, match="one kind each"):
        svd_baseline([gex, atac], ["GEX"])


def test_n_dims_must_be_a_whole_number():
    gex, atac = _counts(p=300, seed=1), _counts(p=400, seed=2)
    # 2.5 failed in scikit-learn ("The 'n_components' parameter of TruncatedSVD must be an int ... Got 1.0"), None
    # and "50" with "'<' not supported between instances"
    for bad in (2.5, None, "50", True):
        with pytest.raises(TypeError, match=rf"^svd_baseline: n_dims must be a whole number of columns, not {bad!r}"):
            svd_baseline([gex, atac], ["GEX", "ATAC"], n_dims=bad)
    assert svd_baseline([gex, atac], ["GEX", "ATAC"], n_dims=np.int64(6)).shape == (120, 6)
    with pytest.raises(TypeError, match=r"^svd_baseline: n_dims must be a whole number of columns, not 2\.5"):
        svd_baseline_from(None, n_dims=2.5)  # before the data are read


def test_anndata_and_mudata_are_pointed_to_svd_baseline_from():
    gex, atac = _counts(p=300, seed=1), _counts(p=400, seed=2)
    # a list of AnnData failed with numpy's "setting an array element with a sequence", a dict of them with
    # "'str' object has no attribute 'shape'"
    with pytest.raises(TypeError, match=r"^svd_baseline: counts\[0\] is an AnnData; pass its raw counts "):
        svd_baseline([ad.AnnData(gex), ad.AnnData(atac)], ["GEX", "ATAC"])
    mods = {"rna": ad.AnnData(gex), "atac": ad.AnnData(atac)}
    for name, a in mods.items():
        a.var_names = [f"{name}{j}" for j in range(a.n_vars)]
    for data in (mods, md.MuData(mods)):
        with pytest.raises(TypeError, match=r"^svd_baseline: counts is a (dict|MuData); .*svd_baseline_from\(data\)$"):
            svd_baseline(data, ["GEX", "ATAC"])


def test_cells_without_counts_are_named_by_modality_and_row():
    gex, atac = _counts(p=300, seed=1), _counts(p=400, seed=2).toarray()
    atac[[7, 30]] = 0
    # was "log_normalize: some cells have zero total counts; remove them first": no modality, count or row
    with pytest.raises(ValueError, match=r"^svd_baseline: 2 of 120 cells have no ATAC counts \(e\.g\. row 7\), nothing "
                                         r"to normalise; remove those rows from every matrix first$"):
        svd_baseline([gex, atac], ["GEX", "ATAC"])
    assert (atac[7] == 0).all() and gex.nnz == _counts(p=300, seed=1).nnz  # inputs untouched


def test_a_narrow_modality_passes_its_unused_share_on():
    gex, atac = _counts(p=20, seed=1), _counts(p=400, seed=2)
    # a 20-gene panel gives at most 19 SVD components: its other 31 columns of the even split were lost (69 wide)
    E = svd_baseline([gex, atac], ["GEX", "ATAC"], n_dims=100, seed=3)
    assert E.shape == (120, 100)
    for block, X, k in ((E[:, :19], gex, 19), (E[:, 19:], atac, 81)):
        expected = fit_svd(log_normalize(X), k, seed=3).transform(log_normalize(X))
        np.testing.assert_allclose(block, expected, rtol=1e-5, atol=1e-5)
    assert _budgets([20, 400], ["GEX", "ATAC"], 100, n_cells=120) == [19, 81]
    assert _budgets([5000, 300], ["GEX", "ATAC"], 101, n_cells=1000) == [50, 51]  # no short SVD: the split as it was
    assert _budgets([5000, 300], ["GEX", "ATAC"], 100, n_cells=30) == [29, 29]  # both short: no one to give to
