"""jae.count_fragments (session 46): a 10x fragments file counted in a model's peaks, checked against counts
worked out by hand, and its refusals (one line each, naming the fix)."""

from __future__ import annotations

import gzip
import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.io.fragments import count_fragments

PEAKS = ["chr1-100-200", "chr1:300-400", "chr2_50_60"]

# chrom, start, end, barcode, duplicates; cut sites at start and at end (10x's counting)
LINES = [
    "#id=sample",
    "#primary_contig=chr1",
    "chr1\t90\t150\tA-1\t7",     # start outside, end in peak 0: +1 (the 5th column is not read)
    "chr1\t110\t199\tA-1\t1",    # both ends in peak 0 (199: its last base): +2
    "chr1\t150\t200\tB-1\t1",    # start in peak 0; end 200 is peak 0's end, outside: +1
    "chr1\t199\t300\tB-1\t1",    # 199 in peak 0, 300 is peak 1's first base: +1 each
    "chr1\t200\t299\tA-1\t1",    # both ends between the peaks: nothing
    "chr1\t250\t399\tX-9\t1",    # not a cell of cells=: skipped
    "chr1\t350\t500\tC#2-1\t1",  # a barcode holding '#': kept whole; start in peak 1: +1
    "chr2\t40\t50\tA-1\t1",      # end 50 is peak 2's first base: +1
    "chr3\t100\t200\tA-1\t1",    # a contig without peaks: skipped
]
CELLS = ["B-1", "A-1", "C#2-1", "D-1"]  # D-1 has no fragment: a row of zeros
EXPECTED = np.array([
    [2, 1, 0],  # B-1
    [3, 0, 1],
    [0, 1, 0],  # C#2-1
    [0, 0, 0],  # D-1
])


def _write(path, lines, *, gz: bool = False):
    text = "\n".join(lines) + "\n"
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_counts_equal_the_hand_counted_matrix(tmp_path, gz):
    path = _write(tmp_path / ("f.tsv.gz" if gz else "f.tsv"), LINES, gz=gz)
    before = path.read_bytes()
    adata = count_fragments(path, PEAKS, cells=CELLS, progress_bar=False)
    assert adata.obs_names.tolist() == CELLS
    assert adata.var_names.tolist() == PEAKS  # the names as given, whatever their separators
    assert (adata.var["feature_types"] == "Peaks").all()
    for m in (adata.X, adata.layers["counts"]):
        assert sp.isspmatrix_csr(m) and m.dtype == np.int32
        np.testing.assert_array_equal(m.toarray(), EXPECTED)
    assert adata.X is not adata.layers["counts"]
    assert path.read_bytes() == before  # the file is only read


def test_every_barcode_in_first_seen_order_without_cells(tmp_path):
    path = _write(tmp_path / "f.tsv", LINES)
    adata = count_fragments(path, PEAKS, progress_bar=False, chunk_size=2)  # chunks of 2 lines: same result
    assert adata.obs_names.tolist() == ["A-1", "B-1", "X-9", "C#2-1"]
    expected = np.array([[3, 0, 1], [2, 1, 0], [0, 1, 0], [0, 1, 0]])
    np.testing.assert_array_equal(adata.X.toarray(), expected)


def test_overlapping_peaks_each_count_their_cut_sites(tmp_path):
    path = _write(tmp_path / "f.tsv", ["chr1\t150\t260\tA\t1", "chr1\t10\t20\tA\t1"])
    adata = count_fragments(path, ["chr1-100-200", "chr1-140-300", "chr1-250-261", "chr1-0-15"],
                            progress_bar=False)
    np.testing.assert_array_equal(adata.X.toarray(), [[1, 2, 1, 1]])


def test_chromosomes_named_without_chr_are_matched_and_logged(tmp_path, caplog):
    lines = [line.replace("chr", "", 1) if not line.startswith("#") else line for line in LINES]
    path = _write(tmp_path / "f.tsv", lines)
    with caplog.at_level(logging.INFO, logger="jae.io.fragments"):
        adata = count_fragments(path, PEAKS, cells=CELLS, progress_bar=False)
    np.testing.assert_array_equal(adata.X.toarray(), EXPECTED)
    assert "'1' for 'chr1'" in caplog.text
    assert "1 of the 4 cells have no fragment" in caplog.text  # D-1


def test_a_model_gives_its_peaks_in_its_order(default_fit, tmp_path):
    model, mdata = default_fit()
    chrom, start, end = mdata["atac"].var_names[5].split("-")
    path = _write(tmp_path / "f.tsv", [f"{chrom}\t{start}\t{end}\tA\t1"])  # its first base, and its end (outside)
    adata = count_fragments(path, model, progress_bar=False)
    assert adata.var_names.equals(model.preprocessor.var_names[1])
    assert adata.X[0, 5] == 1 and adata.X.sum() == 1


def _refusal(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def test_a_malformed_line_is_refused_naming_its_number(tmp_path):
    path = _write(tmp_path / "f.tsv", [*LINES[:4], "chr1\t1x0\t150\tA-1\t1", *LINES[4:]])
    with pytest.raises(ValueError) as excinfo:
        count_fragments(path, PEAKS, progress_bar=False)
    message = _refusal(excinfo)
    assert "line 5:" in message and "'chr1\\t1x0\\t150\\tA-1\\t1'" in message and "0 <= start < end" in message


@pytest.mark.parametrize("line", ["chr1\t100\t90\tA\t1", "chr1\t100\t120", "chr1 100 120 A 1"])
def test_other_malformed_lines_are_refused(tmp_path, line):
    path = _write(tmp_path / "f.tsv.gz", ["#header", "chr1\t10\t20\tA\t1", line], gz=True)
    with pytest.raises(ValueError) as excinfo:
        count_fragments(path, PEAKS, progress_bar=False)
    assert "line 3:" in _refusal(excinfo)


def test_other_chromosome_names_are_refused(tmp_path):
    path = _write(tmp_path / "f.tsv", ["NC_000001.11\t120\t150\tA\t1"])
    with pytest.raises(ValueError) as excinfo:
        count_fragments(path, PEAKS, progress_bar=False)
    message = _refusal(excinfo)
    assert "no contig of fragments file f.tsv is a chromosome of the peaks" in message
    assert "'NC_000001.11'" in message and "'chr1'" in message


def test_cells_named_with_another_suffix_are_refused_with_the_renaming(tmp_path):
    path = _write(tmp_path / "f.tsv", [line for line in LINES if "X-9" not in line and "C#2" not in line])
    with pytest.raises(ValueError) as excinfo:
        count_fragments(path, PEAKS, cells=["A-1-s1d1", "B-1-s1d1"], progress_bar=False)
    message = _refusal(excinfo)
    assert "none of the 2 cells= barcodes" in message
    assert "cells=[n.removesuffix('-1-s1d1') + '-1' for n in rna.obs_names]" in message and "atac.obs_names = rna.obs_names" in message


def test_cells_named_otherwise_are_refused_on_the_first_chunk(tmp_path):
    lines = [line for line in LINES if "X-9" not in line and "C#2" not in line] + ["chr1\tbad\tline"]
    path = _write(tmp_path / "f.tsv", lines)  # the last line is never read: refused after the first 3 fragments
    with pytest.raises(ValueError, match=r"^none of the 2 cells= barcodes is in fragments file f.tsv's first 3 "):
        count_fragments(path, PEAKS, cells=["A-1-s1d1", "B-1-s1d1"], progress_bar=False, chunk_size=3)


def test_cells_absent_from_the_file_are_refused(tmp_path):
    path = _write(tmp_path / "f.tsv", LINES)
    with pytest.raises(ValueError) as excinfo:
        count_fragments(path, PEAKS, cells=["GGGG", "TTTT"], progress_bar=False)
    message = _refusal(excinfo)
    assert "none of the 2 cells= barcodes is in fragments file f.tsv" in message
    assert "'GGGG'" in message and "'A-1'" in message


def test_a_model_without_peaks_is_refused(own_cite_model):
    _, model = own_cite_model("s46_frag_cite")
    with pytest.raises(ValueError) as excinfo:
        count_fragments("unread.tsv.gz", model, progress_bar=False)
    assert "fitted on GEX + ADT, without peaks" in _refusal(excinfo)


@pytest.mark.parametrize("peaks, words", [
    (["chr1-100-200", "CD3"], "1 peak name of 2 is no genomic interval (e.g. 'CD3')"),
    (["chr1-200-100"], "at or before its start"),
    ("chr1-100-200", "is one text"),
    (["chr1-1-2", "chr1-1-2"], "repeats 1 name"),
])
def test_peaks_that_are_no_intervals_are_refused(tmp_path, peaks, words):
    path = _write(tmp_path / "f.tsv", LINES)
    with pytest.raises((ValueError, TypeError)) as excinfo:
        count_fragments(path, peaks, progress_bar=False)
    assert words in _refusal(excinfo)


def test_a_missing_or_empty_file_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist: pass the 10x fragments file"):
        count_fragments(tmp_path / "none.tsv.gz", PEAKS)
    path = _write(tmp_path / "f.tsv.gz", ["#only a header"], gz=True)
    with pytest.raises(ValueError, match="holds no fragment"):
        count_fragments(path, PEAKS, progress_bar=False)


def test_exported_from_jae_and_jae_io():
    assert jae.count_fragments is count_fragments and jae.io.count_fragments is count_fragments
    assert "count_fragments" in jae.__all__ and "count_fragments" in jae.io.__all__
    assert pd.Index(jae.__all__).is_unique
