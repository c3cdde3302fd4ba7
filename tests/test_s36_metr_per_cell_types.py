"""jae.evaluate refuses a cell-type column that names cells (barcodes, IDs), before any scoring (s36)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
import jae.metrics
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    mdata = simulate(120, n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    mdata.obsm["X_z"] = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    mdata.obs["barcode"] = mdata.obs_names.to_numpy()
    return mdata


def test_a_column_of_cell_names_as_cell_types_is_refused_before_scoring(data, monkeypatch):
    # cell_type_key naming the barcodes scored nmi against the cell names and graph_conn 1 (every type one cell),
    # an overall of 0.54 without a word but "asw_batch is undefined: no cell type spans two batches"
    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", lambda *a, **k: pytest.fail("reference built"))
    with pytest.raises(ValueError, match=r"^obs\['barcode'\] gives 120 of the 120 scored cells a cell type of their "
                                         r"own \(120 distinct values, e\.g\. .*\): it names cells \(barcodes, IDs\), "
                                         r"or holds too few cells per cell type for the metrics; pass "
                                         r"cell_type_key=<column> naming the column of cell types \(a coarser one for "
                                         r"few cells\)$"):
        jae.evaluate(data, ["X_z"], cell_type_key="barcode", progress_bar=False)


def test_mostly_unique_labels_are_refused_a_few_rare_types_are_scored(data):
    mostly = data.obs["barcode"].to_numpy().copy()
    mostly[:50] = "T cell"  # 70 of the 120 cells alone in their 'type'
    data.obs["mostly"] = mostly
    with pytest.raises(ValueError, match=r"gives 70 of the 120 scored cells a cell type of their own \(71 distinct"):
        jae.evaluate(data, ["X_z"], cell_type_key="mostly", progress_bar=False)
    rare = data.obs["cell_type"].astype(str).to_numpy().copy()
    rare[:3] = ["rare1", "rare2", "rare3"]  # a few one-cell types, as the competition's CITE starter has
    data.obs["rare"] = rare
    table = jae.evaluate(data, ["X_z"], cell_type_key="rare", progress_bar=False)
    assert 0 <= table.loc["X_z", "overall"] <= 1


def test_the_cli_names_its_flag(data):
    from jae.cli._messages import cli_message

    with pytest.raises(ValueError) as err:
        jae.evaluate(data, ["X_z"], cell_type_key="barcode", progress_bar=False)
    assert cli_message(str(err.value)).endswith("it names cells (barcodes, IDs), or holds too few cells per cell type "
                                                "for the metrics; pass --cell-type-key COLUMN naming the column of "
                                                "cell types (a coarser one for few cells)")
