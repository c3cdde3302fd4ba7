"""Session 53 review of TMPDIR, where jae copies what it streams (a zarr store, Cell Ranger files over the memory
budget). A TMPDIR that does not exist or cannot be written was passed over by Python for /tmp without a word, while
jae's line said 'TMPDIR moves it'; a copy that filled TMPDIR failed with h5py's or the OS's raw 'No space left on
device', naming neither TMPDIR nor the fix."""

from __future__ import annotations

import errno
import logging
import tempfile

import pytest

import jae
from jae.io import zarr_stores
from jae.io.atomic import DiskFullError
from jae.io.samples_files import made_files


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "x.zarr"
    jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0).write_zarr(path)
    return path


@pytest.mark.parametrize("why", ["does not exist", "is no folder"])
def test_a_tmpdir_python_passes_over_is_said_with_where_the_copy_goes(store, tmp_path, monkeypatch, caplog, why):
    asked = tmp_path / "scratch"
    if why == "is no folder":
        asked.write_text("")
    monkeypatch.setenv("TMPDIR", str(asked))
    monkeypatch.setattr(tempfile, "tempdir", None)  # Python reads TMPDIR again
    with caplog.at_level(logging.WARNING, logger="jae"):
        copy = zarr_stores.hdf5_copy(store, "MuData")
    try:
        assert copy.is_file() and asked not in copy.parents
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert said == [f"TMPDIR={asked} {why}, so temporary files go to {tempfile.gettempdir()} instead (Python's "
                        "fallback): create it, or point TMPDIR at a folder you can write to"]
    finally:
        from jae.io.samples_files import _remove

        _remove(copy)


def test_a_copy_that_fills_tmpdir_names_it_and_leaves_nothing(store, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = made_files()

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zarr_stores, "_copy_group", full)
    with pytest.raises(DiskFullError, match=rf"^the temporary folder {scratch} ran out of room while jae wrote its "
                                            r"temporary x\.h5mu there \(No space left on device\); nothing was "
                                            r"written: point TMPDIR at a disk with more room"):
        zarr_stores.hdf5_copy(store, "MuData")
    assert list(scratch.iterdir()) == [] and made_files() == before
