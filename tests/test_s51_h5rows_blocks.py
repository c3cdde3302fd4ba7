"""A Cell Ranger .h5 read in blocks of cells (session 51, jae.io.cellranger_blocks): the blocks, split into the
modalities, are the counts that reading the file whole gives, with cells without counts at the blocks' edges, features
of a type jae leaves out, and a block size that divides the cells or not; its header read alone gives the same cells
and features; the counts' totals and empty cells counted in blocks are those of the whole matrix."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from conftest import write_10x
from jae.io.cellranger_blocks import CellRangerCounts, modality_blocks, read_header, scan_counts

N_CELLS, N_GENES, N_PEAKS, N_GUIDES = 23, 30, 40, 3


def _file(tmp_path):
    rng = np.random.default_rng(51)
    X = rng.poisson(0.7, size=(N_CELLS, N_GENES + N_PEAKS + N_GUIDES)) * (rng.random((N_CELLS, 1)) < 0.9)
    X[[0, 4, 5, 9, 10, 22]] = 0  # empty cells at the edges of 5-cell blocks, and first and last
    X[7, N_GENES:N_GENES + N_PEAKS] = 0  # a cell without peak counts alone
    X[:, 3] = 0  # a gene without counts
    X[2, N_GENES + 1] = 1_000_000
    names = ([f"G{i}" for i in range(N_GENES - 1)] + ["G0"]  # a repeated gene name, made unique as read whole
             + [f"chr1:{1000 * i}-{1000 * i + 500}" for i in range(N_PEAKS)] + [f"guide{i}" for i in range(N_GUIDES)])
    types = ["Gene Expression"] * N_GENES + ["Peaks"] * N_PEAKS + ["CRISPR Guide Capture"] * N_GUIDES
    order = rng.permutation(len(names))  # feature types interleaved in the file, as no Cell Ranger run writes them
    return write_10x(tmp_path / "s.h5", X[:, order], [names[i] for i in order], [types[i] for i in order]), X


@pytest.mark.parametrize("rows", [1, 5, 7, N_CELLS, 100])
def test_blocks_are_the_rows_read_whole(tmp_path, rows):
    path, _ = _file(tmp_path)
    whole = jae.read_10x_h5(path)
    counts = CellRangerCounts(path)
    assert counts.shape == (N_CELLS, N_GENES + N_PEAKS + N_GUIDES)
    header, columns = read_header(path)
    blocks = list(modality_blocks(counts, columns, rows))
    assert len(blocks) == -(-N_CELLS // rows)
    for m in ("rna", "atac"):
        got = sp.vstack([b[m] for b in blocks], format="csr")
        want = whole[m].layers["counts"]
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.array_equal(got.indptr, want.indptr)
        assert np.array_equal(got.indices, want.indices) and np.array_equal(got.data, want.data)


def test_the_header_is_the_file_read_whole_without_its_counts(tmp_path):
    path, _ = _file(tmp_path)
    whole = jae.read_10x_h5(path)
    header, columns = read_header(path)
    assert list(header.mod) == list(whole.mod) == ["rna", "atac"]
    assert header.obs.equals(whole.obs)
    for m in whole.mod:
        assert header[m].var.equals(whole[m].var) and header[m].obs.equals(whole[m].obs)
        assert header[m].layers["counts"].nnz == 0 and len(columns[m]) == whole[m].n_vars
    assert "G0-1" in header["rna"].var_names


def test_whole_read_of_the_block_reader_and_its_names(tmp_path):
    path, X = _file(tmp_path)
    counts = CellRangerCounts(path)
    read = counts.read()
    whole = jae.read_10x_h5(path)
    order = np.concatenate([read_header(path)[1][m] for m in ("rna", "atac")])
    assert np.array_equal(read[:, order].toarray(), np.hstack([whole[m].layers["counts"].toarray()
                                                               for m in ("rna", "atac")]))
    assert list(counts.obs_names) == list(whole.obs_names) and counts.nnz == int((X != 0).sum())


def test_totals_and_empty_cells_counted_in_blocks(tmp_path, monkeypatch):
    import jae.io.cellranger_blocks as blocks

    path, _ = _file(tmp_path)
    whole = jae.read_10x_h5(path)
    monkeypatch.setattr(blocks, "BLOCK_CELLS", 5)
    totals, empty = scan_counts(CellRangerCounts(path), read_header(path)[1])
    for m in whole.mod:
        counts = whole[m].layers["counts"]
        assert np.array_equal(totals[m], np.asarray(counts.sum(axis=0), dtype=np.float32).ravel())
        assert empty[m] == int(np.count_nonzero(np.asarray(counts.sum(axis=1)).ravel() == 0))
    assert empty["rna"] >= 6 and empty["atac"] == empty["rna"] + 1  # cell 7: RNA counts, no peak counts
