"""The route a zarr store takes, said as it is taken: a store over the memory budget, copied then streamed, is said
in one log line naming the store and the route (it was two: the copy, then the streaming path) (jae.io.zarr_stores)."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.cli import main
from jae.io import InputFiles
from test_s51_zarr_read import write_store


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=2, seed=0)


def _info(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and r.name.startswith("jae.io")]


def test_a_store_copied_then_streamed_is_said_in_one_line(cells, tmp_path, scratch, caplog):
    store = write_store(cells, tmp_path / "cells.zarr", 3)
    with caplog.at_level(logging.INFO, logger="jae"):
        files = InputFiles(h5mu=store).open(memory_budget=1, what="fit")
    said = _info(caplog)
    assert type(files).__name__ == "PairedFiles" and len(said) == 1, said
    assert said[0].startswith("fit: streaming path: reading PairedFiles(cells.h5mu: 200 cells, GEX+ATAC), the zarr "
                              "store cells.zarr copied once into a temporary HDF5 file in "), said
    assert "over the memory budget of 1 byte; streaming row blocks" in said[0]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):  # the command line: fit's reading said in one line too
        assert main(["fit", "--h5mu", str(store), "--mode", "unsupervised", "--max-epochs", "1", "--device", "cpu",
                     "--memory-budget", "1", "--out", str(tmp_path / "model")]) == 0
    said = [m for m in _info(caplog) if "cells.zarr" in m]
    assert len(said) == 1 and "streaming path" in said[0], said
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):  # streamed whatever the budget (a query): the copy's own line
        jae.io.plan_input(str(store), what="query", once=True)
    said = _info(caplog)
    assert len(said) == 1 and said[0].startswith("copying the zarr store cells.zarr (h5mu) once"), said
