"""A zarr store lacking chunk files of its counts (a copy cut short, a file deleted), which zarr reads as zeros, is
refused in one line naming the store, the array, how many chunks it lacks and the fix, before it is read whole or
copied to stream, for zarr v2, v3 and sharded v3 stores; the files zarr legitimately leaves out (a dense matrix's
blocks of zeros, the leading rows without counts of a sparse one's indptr, an empty matrix) pass, with the same
counts as written (jae.io.zarr_chunks)."""

from __future__ import annotations

import logging
import math
import shutil

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp
import zarr

import jae
from jae.cli import main
from jae.io import InputFiles
from jae.io.elems import write_elem
from test_s51_zarr_read import fingerprint, write_store

#: (zarr format, sharded) of each store written, and the file of its X/data's third chunk (or first shard)
LAYOUTS = {"v2": (2, False, "X/data/2"), "v3": (3, False, "X/data/c/2"), "v3-sharded": (3, True, "X/data/c/0")}


def _counts():
    """20,000 cells x 500 genes of counts whose first 6,000 cells have none: the stored values in 4+ chunks of 2,000
    values, and the leading chunks of indptr all zeros (which zarr does not write)."""
    X = sp.random(14000, 500, density=0.002, format="csr", dtype=np.float32, random_state=0)
    X.data = np.ceil(X.data * 5)
    return sp.vstack([sp.csr_matrix((6000, 500), dtype=np.float32), X], format="csr")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """One AnnData store per layout, written as anndata writes one (write_elem) with chunks of 2,000 values for the
    sparse X (and shards of 8,000 for the sharded one), a dense layer mostly of zeros and an empty sparse layer."""
    folder, X = tmp_path_factory.mktemp("s52_zarr_chunks"), _counts()
    dense = np.zeros((20000, 500), np.float32)
    dense[10000:10010] = 1  # one row block of the dense layer holds counts: its other chunks are not written
    adata = ad.AnnData(obs={"cell": [f"c{i}" for i in range(20000)]}, var={"gene": [f"g{i}" for i in range(500)]},
                       layers={"dense": dense, "empty": sp.csr_matrix((20000, 500), dtype=np.float32)})
    adata.obs_names, adata.var_names = adata.obs["cell"].astype(str), adata.var["gene"].astype(str)
    written = {}
    for name, (version, sharded, _) in LAYOUTS.items():
        g = zarr.open_group(str(folder / f"{name}.zarr"), mode="w", zarr_format=version)
        with ad.settings.override(auto_shard_zarr_v3=False):  # (anndata's notice of its next default, silenced)
            write_elem(g, "/", adata)
            write_elem(g, "X", X, dataset_kwargs=dict(chunks=(2000,), **({"shards": (8000,)} if sharded else {})))
        written[name] = folder / f"{name}.zarr"
    return X, dense, written


def _damaged(store, tmp_path, *files):
    """A copy of ``store`` lacking ``files`` (paths in the store)."""
    copy = tmp_path / store.name
    shutil.copytree(store, copy)
    for f in files:
        (shutil.rmtree if (copy / f).is_dir() else (lambda p: p.unlink()))(copy / f)
    return copy


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_whole_store_reads_as_written_with_the_files_zarr_leaves_out(stores, layout):
    from jae.io.zarr_chunks import missing_chunks

    X, dense, written = stores
    store = written[layout]
    assert missing_chunks(store) == []
    indptr = store / "X" / "indptr" / ("" if layout == "v2" else "c")
    if layout != "v3-sharded":  # zarr really left out indptr's leading chunks of zeros, and most of the dense layer
        assert not (indptr / "0").exists() and not (indptr / "2").exists() and (indptr / "3").exists()
    layer = zarr.open_group(str(store), mode="r")["layers"]["dense"]
    assert 0 < layer.nchunks_initialized < layer.nchunks
    read = jae.io.read_h5ad(store)
    assert (sp.csr_matrix(read.X) != X).nnz == 0 and read.layers["empty"].nnz == 0
    np.testing.assert_array_equal(np.asarray(read.layers["dense"]), dense)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_store_lacking_chunks_is_refused_before_either_route(stores, layout, tmp_path, scratch):
    _, _, written = stores
    chunk = LAYOUTS[layout][2]
    store = _damaged(written[layout], tmp_path, chunk)
    before = fingerprint(store)
    total = math.ceil(stores[0].nnz / (8000 if LAYOUTS[layout][1] else 2000))  # its chunks (shards) of values
    message = (rf"^input file .*{layout}\.zarr is an incomplete zarr store: its array 'X/data' lacks 1 of its {total} "
               r"chunk files?, which zarr would read as zeros \(wrong counts\); copy the store again, whole \(a copy "
               r"cut short, e.g. an interrupted rsync or gsutil cp, leaves chunks out\); or, if it was written whole, "
               r"its counts store a chunk's worth of explicit zeros, which zarr does not write: drop them "
               r"\(X.eliminate_zeros\(\)\) and write the store again$")
    with pytest.raises(ValueError, match=message):
        jae.io.read_h5ad(store)  # read whole
    with pytest.raises(ValueError, match=message.replace("^input", "^mod1")):
        jae.io.open_rna(store)  # copied to a temporary .h5ad to stream
    assert not list(scratch.iterdir()) and fingerprint(store) == before  # nothing copied, the store untouched


def test_lost_indptr_chunks_and_a_lost_array_are_refused(stores, tmp_path):
    _, _, written = stores
    last = _damaged(written["v3"], tmp_path / "a", "X/indptr/c/10")  # the last chunk of where each row starts
    with pytest.raises(ValueError, match=r"its array 'X/indptr' lacks 1 of its 11 chunk files"):
        jae.io.read_h5ad(last)
    inner = _damaged(written["v2"], tmp_path / "b", "X/indptr/5", "X/data/0")  # a chunk after written ones
    with pytest.raises(ValueError, match=r"its array 'X/data' lacks 1 of its \d+ chunk files \(and 1 more of its "
                       r"arrays lack some\)"):
        jae.io.read_h5ad(inner)
    gone = _damaged(written["v3"], tmp_path / "c", "X/indices")
    with pytest.raises(ValueError, match=r"its array 'X/indices' is missing, which zarr"):
        jae.io.read_h5ad(gone)


@pytest.fixture(scope="module")
def mudata_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s52_zarr_chunks_mu")
    cells = jae.simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=2, seed=0)
    return write_store(cells, folder / "cells.zarr", 3)


def test_a_damaged_mudata_store_is_refused_in_python_and_on_the_command_line(mudata_store, tmp_path, scratch,
                                                                             caplog):
    store = _damaged(mudata_store, tmp_path, "mod/atac/X/data/c/0")
    message = (r"^\.h5mu file .*cells\.zarr is an incomplete zarr store: its array 'mod/atac/X/data' lacks 1 of its 1 "
               r"chunk file, .*; copy the store again")
    with pytest.raises(ValueError, match=message):
        jae.read_h5mu(store)
    for budget in ("100G", 1):  # read whole, and copied to stream
        with pytest.raises(ValueError, match=message):
            InputFiles(h5mu=store).open(memory_budget=budget, what="fit")
    assert not list(scratch.iterdir())
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--h5mu", str(store), "--mode", "unsupervised", "--memory-budget", "1",
                     "--out", str(tmp_path / "model")]) != 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "'mod/atac/X/data' lacks 1 of its 1 chunk file" in errors[0], errors
    assert "copy the store again" in errors[0] and not (tmp_path / "model").exists()
