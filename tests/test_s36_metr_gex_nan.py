"""A GEX with NaN or infinite values: cc_cons n/a with a reason naming the GEX, not an ARPACK traceback nor "covariates
hold NaN" (s36)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae.metrics
from jae.datasets import simulate
from jae.evaluation import lognormalized_gex

MESSAGE = (r"the GEX holds NaN or infinite values in {} of its {} cells; the cell-cycle scores need finite "
           r"log-normalised values \(a cell without counts, divided by its total of 0, gives NaN\): leave those cells "
           r"out or fill their values")


@pytest.fixture(scope="module")
def data():
    mdata = simulate(300, n_genes=250, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    gex, genes = lognormalized_gex(mdata)
    return mdata, sp.csr_matrix(gex), genes


def test_a_nan_gene_is_refused_before_the_principal_components(data):
    # one NaN gene in a dense GEX: the scores skipped it (nanmean), then the PCA failed ("ARPACK error -9999: Could
    # not build an Arnoldi factorization", LAPACK's "SLASCL parameter number 4 had an illegal value" on stderr)
    mdata, gex, genes = data
    dense = gex.toarray()
    dense[:, 7] = np.nan
    with pytest.raises(ValueError, match="^" + MESSAGE.format(300, 300) + "$"):
        jae.metrics.cell_cycle_reference(dense, genes, mdata.obs["batch"])


def test_cells_without_counts_make_cc_cons_na_naming_the_gex(data):
    # rows of NaN (cells normalised by a total of 0): "Mean of empty slice" warnings, then cc_cons n/a as
    # "variance_explained: covariates hold NaN or infinite values", covariates the user never passed
    mdata, gex, genes = data
    nan_rows = gex.toarray()
    nan_rows[:3] = np.nan
    E = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    result = jae.metrics.evaluate_embedding(E, cell_type=mdata.obs["cell_type"], batch=mdata.obs["batch"],
                                            gex=nan_rows, gex_var_names=genes, progress_bar=False, diagnostics=False)
    assert np.isnan(result["cc_cons"])
    assert result.attrs["skipped"]["cc_cons"] == "cell-cycle scores unavailable: " + MESSAGE.format(3, 300).replace(
        "\\", "")


def test_the_blocks_refuse_them_among_the_scored_cells_only(data):
    mdata, gex, genes = data
    with_inf = gex.copy()
    with_inf.data[with_inf.indptr[5]] = np.inf  # one entry of cell 5
    blocks = lambda: (with_inf[i : i + 64] for i in range(0, with_inf.shape[0], 64))  # noqa: E731
    batch = mdata.obs["batch"].to_numpy()
    with pytest.raises(ValueError, match="^" + MESSAGE.format(1, 300) + "$"):
        jae.metrics.cell_cycle_reference_blocks(blocks, genes, batch)
    keep = np.ones(mdata.n_obs, dtype=bool)
    keep[5] = False  # a cell left out (no cell type) may hold anything
    ref = jae.metrics.cell_cycle_reference_blocks(blocks, genes, batch[keep], keep=keep)
    assert ref.n_cells == mdata.n_obs - 1 and np.isfinite(ref.before).all()
