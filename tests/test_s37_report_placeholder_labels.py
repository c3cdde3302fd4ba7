"""Session 37: cells whose cell type reads as "no type" (scANVI's 'Unknown', 'unassigned') are scored as a cell type of
their own, which nmi and asw_label reward keeping together; jae.evaluate said so in a log warning only, so the report
(index.html, metrics.md) counted 'Unknown' among the cell types without a word. Its description now names them."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(120, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=7)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4))
    return m


def test_the_description_names_labels_that_read_as_no_type(data, no_scoring):
    d = data.copy()
    d.obs["cell_type"] = d.obs["cell_type"].astype(object)
    d.obs.iloc[:25, d.obs.columns.get_loc("cell_type")] = "Unknown"
    table = jae.evaluate(d, ["X_e"], pseudotime_keys=[], progress_bar=False)
    assert table.attrs["description"].startswith(
        "120 cells, 4 cell types (25 cells labelled 'Unknown', scored as a cell type of its own), 2 batches, ")


def test_ordinary_labels_are_described_as_before(data, no_scoring):
    table = jae.evaluate(data, ["X_e"], pseudotime_keys=[], progress_bar=False)
    assert table.attrs["description"].startswith("120 cells, 3 cell types, 2 batches, ")
