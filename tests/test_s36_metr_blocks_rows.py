"""cell_cycle_reference_blocks with blocks of more rows than batch labels: one line, not a segmentation fault (s36)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae.metrics
from jae.datasets import simulate
from jae.evaluation import lognormalized_gex


def test_more_rows_than_labels_is_refused_before_the_rows_past_them_are_read():
    # labels of a subset of the cells (without keep=): the first pass handed the rows past the labels to the numba
    # gene sums with codes read past the end of their array, and Python died of a segmentation fault
    mdata = simulate(200, n_genes=220, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    gex, genes = lognormalized_gex(mdata)
    gex = sp.csr_matrix(gex)
    blocks = lambda: (gex[i : i + 64] for i in range(0, gex.shape[0], 64))  # noqa: E731
    batch = mdata.obs["batch"].to_numpy()
    with pytest.raises(ValueError, match=r"^cell_cycle_reference_blocks: the blocks hold more than 190 rows; pass one "
                                         r"batch label \(or keep entry\) per row$"):
        jae.metrics.cell_cycle_reference_blocks(blocks, genes, batch[:190])
    keep = np.zeros(190, dtype=bool)
    keep[:100] = True
    with pytest.raises(ValueError, match=r"the blocks hold more than 190 rows"):
        jae.metrics.cell_cycle_reference_blocks(blocks, genes, batch[:100], keep=keep)
    assert jae.metrics.cell_cycle_reference_blocks(blocks, genes, batch).n_cells == 200
