"""Session 53 review of HDF5 file locking. An annotation file another process holds open for writing failed with
h5py's raw 'unable to lock file, errno = 11' (naming no file), where every other input is named with the fix; a file
system whose locks do not work (NFS without its lock service: 'No locks available') was said to be 'open for writing
in another process', a fix that cannot help: the fix is HDF5_USE_FILE_LOCKING=FALSE, for reading and for writing."""

from __future__ import annotations

import subprocess
import sys

import anndata as ad
import h5py
import pytest

import jae
from jae.io import write_atomic

NO_LOCKS = "Unable to synchronously {} file (unable to lock file, errno = 37, error message = 'No locks available')"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("locks")
    paths = jae.datasets.write_simulated(folder / "x", n_cells=60, kind="cite", preset=None, n_genes=200,
                                         n_proteins=8, n_cell_types=3, n_batches=2, progress_bar=False)
    mdata = jae.read_competition(*paths)
    ad.AnnData(obs=mdata.obs[["cell_type"]]).write_h5ad(folder / "labels.h5ad")
    return paths, folder / "labels.h5ad"


def test_an_annotation_file_held_open_for_writing_is_named_with_the_fix(files):
    (mod1, mod2), labels = files
    writer = subprocess.Popen(  # holds the annotation file open for writing until its stdin closes
        [sys.executable, "-c", f"import h5py, sys; f = h5py.File({str(labels)!r}, 'a'); print('open', flush=True); "
         "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        for call in (jae.read_competition, jae.io.open_competition):
            with pytest.raises(ValueError, match=r"annotation file .*labels\.h5ad cannot be read as \.h5ad: another "
                                                 r"process has it open for writing .*; close it there"):
                call(mod1, mod2, annotations=labels)
    finally:
        writer.communicate("")
    assert "cell_type" in jae.read_competition(mod1, mod2, annotations=labels).obs  # once closed, read as usual


def _refusing_locks(monkeypatch, modes):
    """h5py.File failing as HDF5 does on a file system without working locks, for the open ``modes``."""
    real = h5py.File

    def opened(name, mode="r", *args, **kwargs):
        if mode in modes:
            raise OSError(37, NO_LOCKS.format("open" if mode == "r" else "create"))
        return real(name, mode, *args, **kwargs)

    monkeypatch.setattr(h5py, "File", opened)


def test_a_file_system_without_locks_is_named_with_hdf5_use_file_locking(files, monkeypatch):
    (mod1, mod2), _ = files
    _refusing_locks(monkeypatch, {"r"})
    with pytest.raises(ValueError, match=r"mod1 file .*x\.mod1\.h5ad cannot be read as \.h5ad: its file system refuses "
                                         r"HDF5's file lock \('No locks available'\).*HDF5_USE_FILE_LOCKING=FALSE"):
        jae.read_competition(mod1, mod2)


def test_an_output_on_a_file_system_without_locks_is_named_with_the_fix_and_nothing_is_left(tmp_path, monkeypatch):
    _refusing_locks(monkeypatch, {"w", "w-", "x"})
    with pytest.raises(OSError, match=r"^out\.h5ad cannot be written in .*: its file system refuses HDF5's file lock "
                                      r"\('No locks available'\).*nothing was written: set "
                                      r"HDF5_USE_FILE_LOCKING=FALSE"):
        write_atomic(ad.AnnData(obs={"a": [1, 2]}), tmp_path / "out.h5ad")
    assert list(tmp_path.iterdir()) == []
