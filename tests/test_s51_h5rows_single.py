"""One Cell Ranger .h5 over the memory budget (session 51): before, it was read whole whatever the budget; now it is
copied into a temporary .h5mu in blocks of cells (never read whole) and streamed, with the model of the same cells
as one .h5mu, close to the one read whole, and refused as read whole; several samples over the budget are combined
without reading any .h5 whole."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import jae
from jae import JAEConfig
from jae.io import InputFiles
from test_s49_samples_cli import _write_pair

CONFIG = dict(mode="unsupervised", max_epochs=2)


def _fit(tmp_path, inputs, name, **kwargs):
    return jae.fit_files(inputs, tmp_path / name, config=JAEConfig(**CONFIG), seed=0, device="cpu",
                         progress_bar=False, **kwargs)


def _never_whole(monkeypatch, reader: str = "_read_10x_h5"):
    """Fail the test where jae.io.cellranger's ``reader`` (the .h5's, or a matrix folder's ``_cells_by_features``)
    reads the counts whole."""
    import jae.io.cellranger as readers

    def whole(*args, **kwargs):
        raise AssertionError(f"a Cell Ranger file read whole ({reader})")

    monkeypatch.setattr(readers, reader, whole)


def test_one_h5_over_the_budget_streamed_in_blocks(tmp_path, scratch, caplog, monkeypatch):
    a, _ = _write_pair(tmp_path)
    mdata = jae.read_10x_h5(a)
    mdata.write(tmp_path / "a.h5mu")
    from_h5mu = _fit(tmp_path, InputFiles(h5mu=tmp_path / "a.h5mu"), "h5mu", memory_budget="1K", batch_key=None)
    whole = _fit(tmp_path, InputFiles(tenx=a), "whole", batch_key=None)
    _never_whole(monkeypatch)
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = _fit(tmp_path, InputFiles(tenx=a), "disk", memory_budget="1K", batch_key=None)
    assert "fit: reading a.h5 whole would need about" in caplog.text
    assert ("over the memory budget of 1.0 kB; copying its counts in blocks of cells into a temporary .h5mu"
            in caplog.text)
    assert "fit: streaming path: reading PairedFiles(a.h5mu: 45 cells" in caplog.text
    assert not list(scratch.glob("jae-samples-*"))  # the temporary file and its folder removed
    monkeypatch.undo()
    assert np.array_equal(disk.model.embed(mdata), from_h5mu.model.embed(mdata))
    np.testing.assert_allclose(disk.model.embed(mdata), whole.model.embed(mdata), rtol=0, atol=1e-5)


def test_one_h5_embedded_over_the_budget_as_read_whole(tmp_path, scratch, caplog, monkeypatch):
    a, _ = _write_pair(tmp_path)
    model = _fit(tmp_path, InputFiles(tenx=a), "whole", batch_key=None).model
    kw = dict(finetune_epochs=0, device="cpu", progress_bar=False)
    whole = jae.embed_files(InputFiles(tenx=a), model, tmp_path / "whole.h5ad", **kw)
    _never_whole(monkeypatch)
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = jae.embed_files(InputFiles(tenx=a), model, tmp_path / "disk.h5ad", memory_budget="1K", **kw)
    assert "embed: reading a.h5 whole would need about" in caplog.text
    assert list(disk.obs_names) == list(whole.obs_names)  # barcodes as read whole: no sample suffix
    np.testing.assert_allclose(disk.embedding, whole.embedding, rtol=0, atol=1e-5)
    assert not list(scratch.glob("jae-samples-*"))


def test_one_h5_with_empty_barcodes_refused_as_read_whole(tmp_path, scratch, caplog):
    from conftest import write_10x

    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(30, 50))
    X[17, 20:] = 0  # a barcode without peak counts
    path = write_10x(tmp_path / "s.h5", X, [f"G{i}" for i in range(20)] + [f"chr1:{i * 1000}-{i * 1000 + 500}"
                                                                            for i in range(30)],
                     ["Gene Expression"] * 20 + ["Peaks"] * 30)
    with pytest.raises(ValueError) as whole:
        InputFiles(tenx=path).open(plan=False)
    with caplog.at_level(logging.INFO, logger="jae"), pytest.raises(ValueError) as disk:
        InputFiles(tenx=path).open(memory_budget="1K", plan=False)
    assert "copying its counts in blocks of cells" in caplog.text
    assert str(disk.value) == str(whole.value) and "1 of 30 barcodes have no 'atac' counts" in str(disk.value)
    assert not list(scratch.glob("jae-samples-*"))


def test_samples_combined_without_reading_an_h5_whole(tmp_path, scratch, caplog, monkeypatch):
    combined_on_disk(tmp_path, _write_pair(tmp_path), caplog, monkeypatch)
    assert not list(scratch.glob("jae-samples-*"))


def combined_on_disk(tmp_path, samples, caplog, monkeypatch, reader: str = "_read_10x_h5"):
    """Session 49's two samples (``samples``: their Cell Ranger outputs) fitted combined on disk, none read whole by
    ``reader``, give the model fitted on one .h5mu of them combined in memory."""
    a, b = samples
    mdata = jae.combine_samples({"a": a, "b": b})
    mdata.write(tmp_path / "combined.h5mu")
    from_h5mu = _fit(tmp_path, InputFiles(h5mu=tmp_path / "combined.h5mu"), "h5mu", memory_budget="1K",
                     batch_key="batch")
    _never_whole(monkeypatch, reader)
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = _fit(tmp_path, InputFiles(tenx=[a, b]), "disk", memory_budget="1K")
    assert "combining them one sample at a time into a temporary .h5mu" in caplog.text
    assert "merged into 300 common peaks" in caplog.text
    monkeypatch.undo()
    assert np.array_equal(disk.model.embed(mdata), from_h5mu.model.embed(mdata))


@pytest.mark.parametrize("form", ["h5", "folder"])
def test_the_copy_holds_the_file_read_whole(tmp_path, scratch, form):
    """CITE-seq with a Multiplexing Capture feature left out and a repeated name, as an .h5 (copied in blocks of 5
    cells) or as a matrix folder (read whole): the temporary .h5mu holds what reading the file whole gives."""
    import jae.io.cellranger_blocks as blocks
    from conftest import write_10x
    from jae.io.samples_files import removes_temporary_files
    from test_s50_mtx_reader import _cite, write_mtx

    X, names, types = _cite(n=23)
    X[[4, 5]] = 0
    X[[4, 5], 0] = X[[4, 5], 8] = 1  # cells of one gene's and one protein's count, at the edge of two blocks
    path = (write_10x(tmp_path / "s.h5", X, names, types) if form == "h5"
            else write_mtx(tmp_path / "filtered_feature_bc_matrix", X, names, types))
    whole = jae.read_10x_h5(tmp_path / "s.h5") if form == "h5" else jae.read_10x_mtx(path)
    blocks.BLOCK_CELLS, before = 5, blocks.BLOCK_CELLS
    try:
        copy = removes_temporary_files(lambda: _stored(InputFiles(tenx=path).open(memory_budget="1K",
                                                                                  plan=False).paths[0]))()
    finally:
        blocks.BLOCK_CELLS = before
    assert sorted(copy) == ["obs", "prot", "rna"] and list(copy["obs"].index) == list(whole.obs_names)
    for m in ("rna", "prot"):
        assert copy[m].var.astype(str).equals(whole[m].var.astype(str))
        assert list(copy[m].obs_names) == list(whole.obs_names)
        got, want = copy[m].X, whole[m].layers["counts"]
        assert got.dtype == np.float32 and np.array_equal(got.indptr, want.indptr)
        assert np.array_equal(got.indices, want.indices) and np.array_equal(got.data, want.data)
    assert not list(scratch.glob("jae-samples-*"))


def _stored(path):
    """The global obs and each modality of an .h5mu, as stored."""
    import h5py

    from jae.io.elems import read_elem

    with h5py.File(path, "r") as f:
        return {"obs": read_elem(f["obs"]), **{m: read_elem(f["mod"][m]) for m in f["mod"]}}
