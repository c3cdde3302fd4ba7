"""Several Cell Ranger samples over the memory budget (session 50): combined into a temporary .h5mu one sample at a
time and streamed from it (jae.io.samples_files), with the model that reading them whole, or the same combined
cells as one .h5mu, gives; the file removed afterwards, after a failure too; too little temporary space refused."""

from __future__ import annotations

import logging
import shutil
from collections import namedtuple

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli import main
from jae.io import InputFiles
from test_s49_samples_cli import _write_pair

CONFIG = dict(mode="unsupervised", max_epochs=2)


def _fit(tmp_path, inputs, name, **kwargs):
    return jae.fit_files(inputs, tmp_path / name, config=JAEConfig(**CONFIG), seed=0, device="cpu",
                         progress_bar=False, **kwargs)


def test_streamed_samples_fit_the_same_model_and_leave_nothing(tmp_path, scratch, caplog):
    a, b = _write_pair(tmp_path)
    whole = _fit(tmp_path, InputFiles(tenx=[a, b]), "whole")
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = _fit(tmp_path, InputFiles(tenx=[a, b]), "disk", memory_budget="1K")
    assert "reading the 2 Cell Ranger files (a, b) whole would need about" in caplog.text
    assert "over the memory budget of 1.0 kB; combining them one sample at a time into a temporary .h5mu" in caplog.text
    assert "fit: streaming path: reading PairedFiles(combined.h5mu: 80 cells" in caplog.text
    mdata = jae.combine_samples({"a": a, "b": b})
    np.testing.assert_allclose(disk.model.embed(mdata), whole.model.embed(mdata), rtol=0, atol=1e-5)
    assert list(disk.model.batches) == ["a", "b"]
    assert not list(scratch.glob("jae-samples-*"))  # the temporary file and its folder removed


def test_streamed_samples_as_the_same_cells_in_one_h5mu(tmp_path, scratch, caplog):
    a, b = _write_pair(tmp_path)
    mdata = jae.combine_samples({"a": a, "b": b})
    mdata.write(tmp_path / "combined.h5mu")
    from_h5mu = _fit(tmp_path, InputFiles(h5mu=tmp_path / "combined.h5mu"), "h5mu", memory_budget="1K",
                     batch_key="batch")
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = _fit(tmp_path, InputFiles(tenx=[a, b]), "disk", memory_budget="1K")
    assert "combining them one sample at a time into a temporary .h5mu" in caplog.text  # streamed, as the .h5mu
    assert np.array_equal(disk.model.embed(mdata), from_h5mu.model.embed(mdata))


def test_the_temporary_file_goes_after_a_failure(tmp_path, scratch, monkeypatch):
    a, b = _write_pair(tmp_path)
    seen = []

    def fail(self, data, **kwargs):
        seen.extend(p.name for p in scratch.glob("jae-samples-*/*.h5mu"))  # there while fitting
        raise RuntimeError("fit failed")

    monkeypatch.setattr(JAE, "fit", fail)
    with pytest.raises(RuntimeError, match="fit failed"):
        _fit(tmp_path, InputFiles(tenx=[a, b]), "disk", memory_budget="1K")
    assert seen == ["combined.h5mu"] and not list(scratch.glob("jae-samples-*"))


def test_interrupted_while_writing_leaves_nothing(tmp_path, scratch, monkeypatch):
    import jae.io.samples as samples

    a, b = _write_pair(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(samples, "_sample_block", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _fit(tmp_path, InputFiles(tenx=[a, b]), "disk", memory_budget="1K")
    assert not list(scratch.glob("jae-samples-*")) and not (tmp_path / "disk").exists()


def test_too_little_temporary_space_refused_in_one_line(tmp_path, scratch, monkeypatch, caplog):
    a, b = _write_pair(tmp_path)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), str(b), "--mode", "unsupervised", "--max-epochs", "2", "--device", "cpu",
                     "--memory-budget", "1K", "--out", str(tmp_path / "M")]) == 1
    err = caplog.text
    assert "combining the samples on disk needs about" in err and f"in the temporary folder {scratch}" in err
    assert "which has 1.0 kB free; point TMPDIR at a disk with that much room" in err
    assert "Traceback" not in err and not (tmp_path / "M").exists() and not list(scratch.glob("jae-samples-*"))


def test_embed_streams_samples_over_the_budget_with_the_same_embedding(tmp_path, scratch, caplog):
    a, b = _write_pair(tmp_path)
    model = _fit(tmp_path, InputFiles(tenx=[a, b]), "whole").model
    kw = dict(finetune_epochs=0, device="cpu", progress_bar=False)
    whole = jae.embed_files(InputFiles(tenx=[a, b]), model, tmp_path / "whole.h5ad", **kw)
    with caplog.at_level(logging.INFO, logger="jae"):
        disk = jae.embed_files(InputFiles(tenx=[a, b]), model, tmp_path / "disk.h5ad", memory_budget="1K", **kw)
    assert "embed: reading the 2 Cell Ranger files (a, b) whole would need about" in caplog.text
    assert list(disk.obs_names) == list(whole.obs_names)
    np.testing.assert_allclose(disk.embedding, whole.embedding, rtol=0, atol=1e-5)
    assert not list(scratch.glob("jae-samples-*"))


def test_a_file_that_is_no_cell_ranger_output_refused_as_when_read_whole(tmp_path, scratch):
    from jae.io.paired_files import PairedFiles
    from jae.io.samples_files import removes_temporary_files

    a, b = _write_pair(tmp_path)
    opened = removes_temporary_files(lambda: InputFiles(tenx=[a, b]).open(memory_budget="1K", plan=False))()
    assert isinstance(opened, PairedFiles) and opened.paths[0].name == "combined.h5mu"  # the good pair: on disk
    with pytest.raises(FileNotFoundError, match="Cell Ranger .h5 file .*nope.h5 does not exist"):
        InputFiles(tenx=[a, tmp_path / "nope.h5"]).open(memory_budget="1K", plan=False)
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(ValueError) as whole:
        InputFiles(tenx=[a, bad]).open(plan=False)
    with pytest.raises(ValueError) as disk:
        InputFiles(tenx=[a, bad]).open(memory_budget="1K", plan=False)
    assert str(disk.value) == str(whole.value) and "bad.h5" in str(disk.value)
    assert not list(scratch.glob("jae-samples-*"))
