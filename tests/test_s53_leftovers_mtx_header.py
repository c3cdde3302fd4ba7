"""A matrix folder's cells and stored counts for the memory estimate of the Cell Ranger disk route (session 53,
jae.io.samples_files.sample_counts) come from jae.io.cellranger.mtx_header, the header read the reader makes: the
same numbers for every header the reader reads (comments, a blank line before the size line, gzip'd or not), and
None (read whole, refused by the reader in its words) for every header it refuses, where a hand parse took the
numbers of a file without its banner line or gave up on a blank line the reader skips."""

from __future__ import annotations

import gzip

import pytest

import jae
from jae.io.cellranger import mtx_header
from jae.io.samples_files import sample_counts
from test_s50_mtx_reader import _cite, write_mtx


def _folder(tmp_path, gz, edit=None):
    X, names, types = _cite(n=9)
    folder = write_mtx(tmp_path / "f", X, names, types, gz=gz)
    matrix = folder / ("matrix.mtx.gz" if gz else "matrix.mtx")
    if edit is not None:
        opener = gzip.open if gz else open
        with opener(matrix, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        with opener(matrix, "wb") as f:
            f.writelines(edit(lines))
    return folder, matrix


def _blank_before_size(lines):
    size = next(i for i, t in enumerate(lines) if not t.startswith(b"%"))
    return lines[:size] + [b"\n"] + lines[size:]


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("edit", [None, _blank_before_size])
def test_the_numbers_of_the_header_the_reader_reads(tmp_path, gz, edit):
    folder, matrix = _folder(tmp_path, gz, edit)
    n_features, n_cells, entries, _ = mtx_header(matrix)
    assert jae.read_10x_mtx(folder).n_obs == n_cells == 9  # the reader reads this file
    assert sample_counts(folder) == (n_cells, entries)
    assert entries > n_cells


@pytest.mark.parametrize("gz", [True, False])
def test_none_where_the_reader_refuses_the_header(tmp_path, gz):
    folder, matrix = _folder(tmp_path, gz, lambda lines: lines[1:])  # no %%MatrixMarket banner
    with pytest.raises(ValueError, match="cannot be read as a Matrix Market file"):
        mtx_header(matrix)
    assert sample_counts(folder) is None


def test_none_for_a_missing_folder_or_matrix(tmp_path):
    assert sample_counts(tmp_path / "absent") is None
    folder, matrix = _folder(tmp_path, True)
    matrix.unlink()
    assert sample_counts(folder) is None
