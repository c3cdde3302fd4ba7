"""Cell Ranger matrix folders over the memory budget (session 52): before, each was read whole whatever the budget (and
twice when several samples were combined on disk); now one folder is copied into a temporary .h5mu and several are
combined without any matrix read whole (jae.io.mtx_blocks), with the same model and embedding as the route that read
them whole, refused in the same words, and nothing left in the temporary folder."""

from __future__ import annotations

import logging

import h5py
import numpy as np
import pytest

import jae
from jae.io import InputFiles
from test_s49_samples_cli import _write_pair as write_h5_pair
from test_s50_mtx_reader import write_mtx
from test_s51_h5rows_single import _fit, _never_whole as never_whole, combined_on_disk
from test_s52_mtx_blocks import _shuffled

def _write_pair(tmp_path):
    """Session 49's two Cell Ranger ARC samples (one per batch, the second's peaks moved by 7 bases) as matrix
    folders, their entries shuffled."""
    import scipy.sparse as sp

    folders = []
    for i, h5 in enumerate(write_h5_pair(tmp_path)):
        with h5py.File(h5, "r") as f:
            g = f["matrix"]
            shape = tuple(g["shape"][()])
            X = sp.csc_matrix((g["data"][()], g["indices"][()], g["indptr"][()]), shape=shape).T.toarray()
            names, types = ([v.decode() for v in g["features"][k][()]] for k in ("name", "feature_type"))
        folders.append(_shuffled(write_mtx(tmp_path / h5.stem, X, names, types), seed=i))
    return folders


def _never_whole(monkeypatch):
    never_whole(monkeypatch, "_cells_by_features")


def test_one_folder_over_the_budget_streamed(tmp_path, scratch, caplog, monkeypatch):
    a, _ = _write_pair(tmp_path)
    mdata = jae.read_10x_mtx(a)
    mdata.write(tmp_path / "a.h5mu")
    from_h5mu = _fit(tmp_path, InputFiles(h5mu=tmp_path / "a.h5mu"), "h5mu", memory_budget="1K", batch_key=None)
    _never_whole(monkeypatch)
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = _fit(tmp_path, InputFiles(tenx=a), "disk", memory_budget="1K", batch_key=None)
    assert ("over the memory budget of 1.0 kB; copying its counts in blocks of cells into a temporary .h5mu"
            in caplog.text)
    assert "matrix.mtx.gz: 45 cells' counts read once into a temporary file" in caplog.text
    assert "fit: streaming path: reading PairedFiles(a.h5mu: 45 cells" in caplog.text
    assert not list(scratch.glob("jae-*"))  # the copy ordered by cell and the .h5mu removed
    kw = dict(finetune_epochs=0, device="cpu", progress_bar=False, memory_budget="1K")
    embedded = jae.embed_files(InputFiles(tenx=a), disk.model, tmp_path / "disk.h5ad", **kw)
    assert not list(scratch.glob("jae-*"))
    monkeypatch.undo()
    assert np.array_equal(disk.model.embed(mdata), from_h5mu.model.embed(mdata))
    same = jae.embed_files(InputFiles(h5mu=tmp_path / "a.h5mu"), disk.model, tmp_path / "h5mu.h5ad", **kw)
    assert list(embedded.obs_names) == list(mdata.obs_names)
    assert np.array_equal(embedded.embedding, same.embedding)


def test_folders_combined_without_reading_one_whole(tmp_path, scratch, caplog, monkeypatch):
    combined_on_disk(tmp_path, _write_pair(tmp_path), caplog, monkeypatch, "_cells_by_features")
    assert not list(scratch.glob("jae-*"))  # every folder's copy by cell and the combined .h5mu removed


def test_a_folder_with_empty_barcodes_refused_as_read_whole(tmp_path, scratch, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(30, 50))
    X[17, 20:] = 0  # a barcode without peak counts
    folder = _shuffled(write_mtx(tmp_path / "f", X, [f"G{i}" for i in range(20)]
                                 + [f"chr1:{i * 1000}-{i * 1000 + 500}" for i in range(30)],
                                 ["Gene Expression"] * 20 + ["Peaks"] * 30))
    with pytest.raises(ValueError) as whole:
        InputFiles(tenx=folder).open(plan=False)
    _never_whole(monkeypatch)  # refused from the blocks, one folder or several
    for tenx in (folder, [folder, folder.parent / "g"]):
        if isinstance(tenx, list):
            write_mtx(tenx[1], X[:5] + 1, [f"G{i}" for i in range(20)]
                      + [f"chr1:{i * 1000}-{i * 1000 + 500}" for i in range(30)],
                      ["Gene Expression"] * 20 + ["Peaks"] * 30)
        with pytest.raises(ValueError) as disk:
            InputFiles(tenx=tenx).open(memory_budget="1K", plan=False)
        assert "1 of 30 barcodes have no 'atac' counts" in str(disk.value)
        assert not list(scratch.glob("jae-*"))
    with pytest.raises(ValueError) as disk:
        InputFiles(tenx=folder).open(memory_budget="1K", plan=False)
    assert str(disk.value) == str(whole.value)
