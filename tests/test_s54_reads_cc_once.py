"""The streamed cell-cycle reference of jae evaluate reads the RNA once when no batch has more than ``max_cells``
cells (session 54): its first pass keeps a sample of each batch, which is then every scored cell, and the scores are
taken from it instead of a second read and log-normalisation of every block (20,000 competition-shaped Multiome
cells: 150 MB of RNA indices read instead of 300, one pass of about 0.6 s less). The scores are those of the second
read, bit for bit: a row's scores are its own."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import gex_with_cycle
from jae.metrics import cell_cycle_reference_blocks


@pytest.fixture(scope="module")
def gex():
    X, names, batch = gex_with_cycle(240, seed=3)
    keep = np.ones(240, dtype=bool)
    keep[::7] = False  # cells without a cell type: read, not scored
    return sp.csr_matrix(X), names, batch, keep


def _reference(gex, max_cells):
    X, names, batch, keep = gex
    reads = []

    def blocks():
        reads.append(1)
        return (X[s : s + 50] for s in range(0, X.shape[0], 50))

    ref = cell_cycle_reference_blocks(blocks, names, batch[keep], keep=keep, max_cells=max_cells, seed=0)
    return ref, len(reads)


def test_the_rna_is_read_once_when_the_sample_is_every_cell_and_the_scores_are_the_second_reads(gex):
    once, n_once = _reference(gex, max_cells=1000)
    twice, n_twice = _reference(gex, max_cells=60)  # a sample of 60 of each batch's ~103 scored cells: read again
    assert (n_once, n_twice) == (1, 2)
    assert once.batches == twice.batches
    for a, b, cells_a, cells_b in zip(once.covariates, twice.covariates, once.cells, twice.cells):
        assert np.array_equal(cells_a, cells_b)
        assert a.shape == (len(cells_a), 2) and np.isfinite(a).all()
        assert np.array_equal(a, b)
