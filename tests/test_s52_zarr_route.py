"""The route a zarr store takes, said and sized as it is taken: a store over the memory budget, copied then streamed,
is said in one log line naming the store and the route (it was two: the copy, then the streaming path); a MuData
store's estimate counts the modalities read (the pair), not a large third modality set aside, whose matrices the
whole read leaves unread; what is read is the same as the .h5mu's (jae.io.zarr_stores)."""

from __future__ import annotations

import logging
import tracemalloc

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.cli import main
from jae.io import InputFiles
from jae.io.zarr_stores import store_need
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


def test_a_large_modality_not_read_is_not_counted_nor_read(cells, tmp_path, caplog):
    big = sp.random(200, 40000, density=0.5, format="csr", dtype=np.float32, random_state=1)  # 4M values, 32 MB
    extra = ad.AnnData(big, obs=pd.DataFrame(index=cells.obs_names), var=pd.DataFrame(index=[f"b{i}" for i in
                                                                                             range(40000)]))
    hto = ad.AnnData(np.ones((200, 3), np.float32), obs=pd.DataFrame({"hash_id": ["h1", "h2"] * 100},
                                                                    index=cells.obs_names),
                     var=pd.DataFrame({"feature_types": ["Multiplexing Capture"] * 3}, index=["t1", "t2", "t3"]))
    with_big = md.MuData({"rna": cells["rna"], "atac": cells["atac"], "big": extra, "hto": hto})  # hashtags: obs kept
    with_big.obs = with_big.obs.join(cells.obs[["batch"]])
    store = write_store(with_big, tmp_path / "three.zarr", 2)
    with_big.write(tmp_path / "three.h5mu")
    all_three = store_need(store, "MuData")  # as session 51 estimated it: every modality
    budget = all_three - big.data.nbytes // 2  # the pair fits, the three would not
    tracemalloc.start()
    try:
        with caplog.at_level(logging.INFO, logger="jae"):
            read = InputFiles(h5mu=store, other="atac").open(memory_budget=budget, what="fit")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert type(read).__name__ == "MuData", "the pair, within the budget, read whole"
    assert "reading the zarr store three.zarr whole" in caplog.text and "ignoring modalities ['big']" in caplog.text
    assert peak < big.data.nbytes, "the large modality's matrix was read"
    file = jae.read_h5mu(tmp_path / "three.h5mu", other="atac")
    for m in ("rna", "atac"):
        assert (read[m].layers["counts"] != file[m].layers["counts"]).nnz == 0
        assert read[m].var.equals(file[m].var) and read[m].obs.equals(file[m].obs)
    assert read.obs.equals(file.obs) and list(read.obsm) == list(file.obsm) and read.uns.keys() == file.uns.keys()
    assert read.obs["hto:hash_id"].tolist() == ["h1", "h2"] * 100  # the hashtags' results, their matrix not read
