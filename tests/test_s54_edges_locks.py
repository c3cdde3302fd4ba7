"""Session 54: a file another process opens for writing after jae first read it. A streamed read's next pass was
refused as 'changed' (the writer's open touched the file) or, in the moment between that check and the open, with
h5py's raw 'unable to lock file, errno = 11'; the .h5mu input copied into the output at the end of `jae embed` was
named as the output ('emb.h5mu cannot be written'), or failed with h5py's raw line. Every such re-open now says what
the first open says of a lock (jae.io.files.open_again), naming the file."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pytest

import jae
from jae.io.write import h5mu_copy_layout, write_h5mu_copy

HELD = r"another process has it open for writing \(e\.g\. a notebook holding it backed in 'r\+' mode, or a write still " \
       r"running\); close it there or let the write finish, then run again$"


@contextmanager
def held_for_writing(path):
    """Another process holding ``path`` open as h5py.File(path, 'a') until the block ends."""
    writer = subprocess.Popen(
        [sys.executable, "-c", f"import h5py, sys; f = h5py.File({str(path)!r}, 'a'); print('open', flush=True); "
         "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        yield
    finally:
        writer.communicate("")


@pytest.fixture
def h5mu(tmp_path):
    path = tmp_path / "x.h5mu"
    jae.datasets.write_simulated(path, n_cells=80, kind="cite", preset=None, format="h5mu", progress_bar=False)
    return path


def test_a_streamed_read_whose_file_is_opened_for_writing_between_passes_says_so(h5mu):
    counts = jae.io.open_h5mu(h5mu).counts[0]
    first = sum(block.sum() for block in counts.blocks(32))
    with held_for_writing(h5mu):
        with pytest.raises(ValueError, match=rf"^{h5mu} cannot be opened again \(x\.h5mu modality 'rna' layer "
                                             rf"'counts'\): {HELD}"):
            list(counts.blocks(32))
    assert first > 0


def test_the_input_copied_into_the_output_is_named_when_held_for_writing(h5mu, tmp_path):
    cells = jae.io.open_h5mu(h5mu).obs_names
    out = tmp_path / "out.h5mu"
    with held_for_writing(h5mu):
        for call in (lambda: h5mu_copy_layout(h5mu, cells),
                     lambda: write_h5mu_copy(h5mu, out, cells, obsm={"X_jae": np.zeros((len(cells), 2))}, uns={},
                                             obs={})):
            with pytest.raises(ValueError, match=rf"^{h5mu} cannot be opened again \(copied into the output\): {HELD}"):
                call()
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["x.h5mu"]
    assert h5mu_copy_layout(h5mu, cells) is not None  # once closed, copied as before



def test_scoring_files_opened_before_a_writer_names_the_file(tmp_path):
    mdata = jae.simulate(80, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)
    mdata.obsm["X_emb"] = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    path = tmp_path / "scored.h5mu"
    mdata.write(path)
    files = jae.io.open_h5mu(path)
    with held_for_writing(path):
        with pytest.raises(ValueError, match=rf"^{path} cannot be opened again \(.*\): {HELD}"):
            jae.evaluate(files, ["X_emb"])


def test_a_cell_ranger_files_names_read_later_say_a_writers_lock_too(tmp_path):
    """The review of session 54: CellRangerCounts read its cell and feature names with h5py.File of its own, past
    open_again, so a writer that opened the .h5 after jae's first read got h5py's raw 'unable to lock file'."""
    from conftest import write_10x
    from jae.io.cellranger_blocks import CellRangerCounts

    X = np.random.default_rng(0).poisson(1.0, size=(30, 8))
    path = write_10x(tmp_path / "s.h5", X, [f"g{i}" for i in range(8)], ["Gene Expression"] * 8)
    counts = CellRangerCounts(path)
    with held_for_writing(path):
        with pytest.raises(ValueError, match=rf"^{path} cannot be opened again \(Cell Ranger \.h5 s\.h5\): {HELD}"):
            counts.obs_names


def test_the_input_read_whole_for_the_output_says_a_writers_lock(h5mu):
    """jae embed's .h5mu output, when the input's layout cannot be copied byte for byte, reads the input whole again
    (embedding_output._read_untouched): a writer holding it since is said as open_again says it, from that read's own
    open (jae.io.files.reopened), not by opening the file once more first."""
    from jae.workflows.embedding_output import _read_untouched

    assert _read_untouched(h5mu).n_obs == 80
    with held_for_writing(h5mu):
        with pytest.raises(ValueError, match=rf"^{h5mu} cannot be opened again \(copied into the output\): {HELD}"):
            _read_untouched(h5mu)
