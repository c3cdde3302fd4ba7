"""jae.count_fragments read without pandas (session 47): a numba kernel parses the decompressed text, read in a thread
of its own, and numbers contigs and barcodes in hash tables. Its matrices are checked equal to a line-by-line count
written here (the definition: cut sites at the start and end columns, peaks half-open) on seeded simulated files with
header and comment lines, blank lines, CRLF ends, contigs without peaks, barcodes that are no cells, cut sites on
every peak edge, overlapping peaks, lines cut across the reading blocks, chunks of a few fragments, multi-member
(bgzip-like) gzip, and a barcode longer than the room first given for names."""

from __future__ import annotations

import gzip
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

from jae.io import _fragtext
from jae.io.fragments import count_fragments
from jae.io.peaks import _intervals

CHROMS = ["chr1", "chr2", "chr10", "chrX"]


def _peaks(rng) -> list[str]:
    """Peaks of 50-300 bp on four chromosomes, some overlapping (a second layer), named with every separator."""
    names = []
    for chrom in CHROMS:
        starts = np.sort(rng.choice(np.arange(0, 20_000, 10), 40, replace=False))
        for k, s in enumerate(starts.tolist()):
            sep = ["-", ":", "_"][k % 3]
            names.append(f"{chrom}{sep}{s}{'_' if sep == '_' else '-'}{s + int(rng.integers(50, 300))}")
    return list(dict.fromkeys(names))


def _fragments(rng, peaks, n: int = 3000) -> list[tuple[str, int, int, str]]:
    """Fragments sorted by contig and start: a third with a cut site on a peak's edge (its first base, its end, one
    before), the rest anywhere; contigs without peaks (chrY, chrUn_KI270302v1) and background barcodes among them."""
    chrom, start, end = _intervals(peaks)
    barcodes = [f"{''.join(rng.choice(list('ACGT'), 8))}-1" for _ in range(60)]
    rows = []
    for _ in range(n):
        if rng.random() < 0.35:
            p = int(rng.integers(len(peaks)))
            edge = int(rng.choice([start[p], end[p], end[p] - 1, start[p] - 1]))
            if rng.random() < 0.5:
                s, e = max(edge, 0), max(edge, 0) + int(rng.integers(1, 400))
            else:
                s, e = max(edge - int(rng.integers(1, 400)), 0), edge
                e = max(e, s + 1)
            c = chrom[p]
        else:
            c = str(rng.choice(CHROMS + ["chrY", "chrUn_KI270302v1"]))
            s = int(rng.integers(0, 21_000))
            e = s + int(rng.integers(1, 600))
        rows.append((c, s, e, str(rng.choice(barcodes))))
    order = {c: i for i, c in enumerate(CHROMS + ["chrY", "chrUn_KI270302v1"])}
    return sorted(rows, key=lambda r: (order[r[0]], r[1], r[2]))


def _expected(rows, peaks, cells=None):
    """The count by definition, one line at a time: per cell (cells=None: every barcode, first seen first) and peak,
    the cut sites (start and end column) with start <= site < end."""
    chrom, start, end = _intervals(peaks)
    chrom = chrom.to_numpy()
    order = list(cells) if cells is not None else list(dict.fromkeys(r[3] for r in rows))
    row_of = {b: i for i, b in enumerate(order)}
    out = np.zeros((len(order), len(peaks)), np.int64)
    for c, s, e, b in rows:
        if b not in row_of:
            continue
        for site in (s, e):
            out[row_of[b]] += (chrom == c) & (start <= site) & (site < end)
    return order, out


def _text(rows, *, extra: bool = True, crlf: bool = False) -> bytes:
    lines = [f"{c}\t{s}\t{e}\t{b}\t{1 + (s % 4)}" for c, s, e, b in rows]
    if extra:  # 10x's header, a comment and blank lines inside, and a last line without its newline
        lines = ["# id=sim", "# pipeline_version=arc-2.0.2", *lines[:5], "", "# a comment", *lines[5:]]
    text = "\r\n".join(lines) if crlf else "\n".join(lines)
    return text.encode() + (b"" if extra else b"\n")


def _members(data: bytes, size: int = 5000) -> bytes:
    """Gzip in members of ``size`` bytes each, as bgzip writes (BGZF's 64 KiB blocks, smaller here)."""
    out = []
    for i in range(0, len(data), size):
        c = zlib.compressobj(6, zlib.DEFLATED, 31)
        out.append(c.compress(data[i:i + size]) + c.flush())
    return b"".join(out)


def _same(a, order, expected):
    X = a.X
    assert sp.isspmatrix_csr(X) and X.dtype == np.int32 and X.has_sorted_indices
    assert a.obs_names.tolist() == order
    np.testing.assert_array_equal(X.toarray(), expected)
    canonical = sp.csr_matrix(expected.astype(np.int32))  # the same CSR arrays, not only the same values
    canonical.eliminate_zeros()
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(X, part), getattr(canonical, part))


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(47)
    peaks = _peaks(rng)
    rows = _fragments(rng, peaks)
    return peaks, rows


@pytest.mark.parametrize("block", [_fragtext.BLOCK, 97, 4096])
@pytest.mark.parametrize("chunk_size", [1_000_000, 7, 1000])
def test_counts_equal_the_definition_across_blocks_and_chunks(tmp_path, sample, monkeypatch, block, chunk_size):
    peaks, rows = sample
    monkeypatch.setattr(_fragtext, "BLOCK", block)  # lines cut across the reading thread's blocks
    path = tmp_path / "f.tsv"
    path.write_bytes(_text(rows))
    cells = sorted({r[3] for r in rows})[::2] + ["NOT-IN-FILE-1"]
    for c in (cells, None):
        order, expected = _expected(rows, peaks, c)
        _same(count_fragments(path, peaks, cells=c, progress_bar=False, chunk_size=chunk_size), order, expected)


@pytest.mark.parametrize("form", ["gzip", "members", "crlf"])
def test_compressed_bgzip_like_and_crlf_files_count_the_same(tmp_path, sample, form):
    peaks, rows = sample
    text = _text(rows, crlf=form == "crlf")
    path = tmp_path / "f.tsv.gz"
    path.write_bytes(gzip.compress(text) if form == "gzip" else _members(text) if form == "members" else text)
    order, expected = _expected(rows, peaks)
    _same(count_fragments(path, peaks, progress_bar=False, chunk_size=500), order, expected)


def test_many_and_long_barcodes_grow_the_tables(tmp_path):
    """6,000 barcodes (the table starts with room for 1,024) and one of 70,000 characters (its bytes' first room
    is 32 KiB): each numbered once, in the order first seen."""
    rng = np.random.default_rng(3)
    long = "L" * 70_000
    barcodes = [f"B{i:05d}" for i in rng.permutation(6000)] + [long]
    rows = [("chr1", int(s), int(s) + 30, b) for s, b in zip(np.arange(len(barcodes)) % 500, barcodes)]
    rows += [("chr1", 5, 10, long), ("chr1", 7, 8, barcodes[0])]
    path = tmp_path / "f.tsv"
    path.write_bytes(_text(rows, extra=False))
    peaks = ["chr1-0-100", "chr1-200-300"]
    order, expected = _expected(rows, peaks)
    _same(count_fragments(path, peaks, progress_bar=False, chunk_size=2500), order, expected)


@pytest.mark.parametrize("chunk_size", [1_000_000, 3])
def test_a_malformed_line_past_the_first_chunk_and_block_is_named(tmp_path, sample, monkeypatch, chunk_size):
    peaks, rows = sample
    monkeypatch.setattr(_fragtext, "BLOCK", 64)
    lines = _text(rows, extra=False).decode().split("\n")
    lines[2000] = "chr1\t100\tx200\tAAAA-1\t1"
    path = tmp_path / "f.tsv"
    path.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"line 2001: expected .*'chr1\\t100\\tx200\\tAAAA-1\\t1'"):
        count_fragments(path, peaks, progress_bar=False, chunk_size=chunk_size)


@pytest.mark.parametrize("line, good", [
    ("chr1\t 100\t200 \tA-1", True),  # spaces around a number: read, as pandas and int() read them
    ("chr1\t+100\t200\tA-1", True),
    ("chr1\t-1\t200\tA-1", False),
    ("chr1\t100\t100\tA-1", False),
    ("chr1\t1e2\t200\tA-1", False),  # pandas read it as 100; a position is a whole number, as the message says
    ("\t100\t200\tA-1", False),
    ("chr1\t100\t200\t", False),
    ("chr1\t100\t200", False),
])
def test_lines_read_or_refused_naming_the_line(tmp_path, line, good):
    path = tmp_path / "f.tsv"
    path.write_text(f"chr1\t1\t5\tA-1\t1\n{line}\n")
    if good:
        a = count_fragments(path, ["chr1-0-150"], progress_bar=False)
        assert a.X.toarray().tolist() == [[3]]
    else:
        with pytest.raises(ValueError, match="line 2: expected"):
            count_fragments(path, ["chr1-0-150"], progress_bar=False)


def test_a_truncated_or_corrupt_gzip_file_raises_as_gzip_does(tmp_path):
    data = gzip.compress(b"".join(b"chr1\t%d\t%d\tA\t1\n" % (i, i + 50) for i in range(50_000)))
    cut = tmp_path / "cut.tsv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(EOFError):
        count_fragments(cut, ["chr1-0-100"], progress_bar=False)
    bad = tmp_path / "bad.tsv.gz"
    bad.write_bytes(data + b"not gzip")
    with pytest.raises(gzip.BadGzipFile):
        count_fragments(bad, ["chr1-0-100"], progress_bar=False)
