"""Session 53 review of an input changed while a streamed read goes over it (a fit over --memory-budget opens the
file again for each pass). A file replaced by another of the same shape (written again with --overwrite, which
renames a new file into place) was read on silently, the fit mixing two files' counts; a file deleted failed with
h5py's 'Unable to synchronously open file (unable to open file: ... errno = 2 ...)'. Both are now said in one line
(no recovery is tried)."""

from __future__ import annotations

import os

import pytest

import jae


@pytest.fixture
def two_files(tmp_path):
    paths = []
    for seed in (0, 1):
        paths.append(tmp_path / f"x{seed}.h5mu")
        jae.datasets.write_simulated(paths[-1], n_cells=80, kind="cite", preset=None, format="h5mu", seed=seed,
                                     progress_bar=False)
    return paths


def test_a_file_replaced_between_passes_is_refused(two_files):
    path, other = two_files
    counts = jae.io.open_h5mu(path).counts[0]
    first = sum(block.sum() for block in counts.blocks(32))
    os.replace(other, path)  # another file of the same shape put in its place
    with pytest.raises(ValueError, match=rf"^{path} changed while jae was reading it \(x0\.h5mu modality 'rna' layer "
                                         r"'counts'\): another process replaced or wrote it since jae opened it"):
        sum(block.sum() for block in counts.blocks(32))
    assert first > 0


def test_a_file_deleted_between_passes_is_said_so(two_files):
    path, _ = two_files
    counts = jae.io.open_h5mu(path).counts[1]
    list(counts.blocks(32))
    path.unlink()
    with pytest.raises(FileNotFoundError, match=rf"^{path} was deleted or moved while jae was reading it \(x0\.h5mu "
                                                r"modality 'prot' layer 'counts'\); put it back and run again"):
        list(counts.blocks(32))
