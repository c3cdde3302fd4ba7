"""jae.evaluate refuses a cell-type or batch column that names cells (barcodes, IDs), before any scoring (s36)."""

from __future__ import annotations

import logging

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


def test_the_cli_names_its_cell_type_flag(data):
    from jae.cli._messages import cli_message

    with pytest.raises(ValueError) as err:
        jae.evaluate(data, ["X_z"], cell_type_key="barcode", progress_bar=False)
    assert cli_message(str(err.value)).endswith("it names cells (barcodes, IDs), or holds too few cells per cell type "
                                                "for the metrics; pass --cell-type-key COLUMN naming the column of "
                                                "cell types (a coarser one for few cells)")


def test_a_column_of_cell_names_as_batches_is_refused_before_scoring(data, monkeypatch):
    # batch_key naming the barcodes scored three metrics n/a for reasons that blamed the data ("no cell type spans two
    # batches", "no cycling signal to conserve", "no batch has two trajectory cells") and an overall of the other three
    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", lambda *a, **k: pytest.fail("reference built"))
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", lambda *a, **k: pytest.fail("scored"))
    with pytest.raises(ValueError, match=r"^obs\['barcode'\] gives 120 of the 120 scored cells a batch of their own "
                                         r"\(120 distinct values, e\.g\. .*\): it names cells \(barcodes, IDs\), or "
                                         r"holds too few cells per batch for the metrics; pass batch_key=<column> "
                                         r"naming the batches, or batch_key=None to score all cells as one batch$"):
        jae.evaluate(data, ["X_z"], batch_key="barcode", progress_bar=False)


def test_cells_without_a_cell_type_do_not_count(data):
    # the unscored cells' batches may be anything; only the scored cells' batches are checked
    d = data.copy()
    types = d.obs["cell_type"].astype(object).to_numpy()
    types[:70] = np.nan  # 50 scored cells, whose batches are real ones
    d.obs["some_types"] = types
    mixed = d.obs["batch"].astype(str).to_numpy().copy()
    mixed[:70] = d.obs_names[:70]
    d.obs["mixed"] = mixed
    table = jae.evaluate(d, ["X_z"], cell_type_key="some_types", batch_key="mixed", progress_bar=False)
    assert 0 <= table.loc["X_z", "overall"] <= 1


def test_the_cli_names_its_batch_flags(data, tmp_path, monkeypatch, caplog):
    from jae.cli import main

    data.write_h5mu(tmp_path / "d.h5mu")
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["evaluate", "--h5mu", "d.h5mu", "--obsm", "X_z", "--batch-key", "barcode", "--out", "out",
                     "--quiet"]) == 1
    assert caplog.records[-1].getMessage().endswith(
        "it names cells (barcodes, IDs), or holds too few cells per batch for the metrics; pass --batch-key COLUMN "
        "naming the batches, or --batch-key none to score all cells as one batch")
    assert not (tmp_path / "out").exists()
