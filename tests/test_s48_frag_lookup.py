"""jae.count_fragments with cells= (session 48): the reader's barcode table holds the cells' barcodes alone and looks
each line's barcode up there, so its memory grows with the cells, not with the file's background barcodes (a 10x
file holds hundreds of thousands to millions). Checked on seeded files with thousands of background barcodes: the
table's size, counts equal to cells=None's rows of those cells (the same CSR arrays), the refusals still quoting the
file's barcodes, and a background barcode that is no UTF-8 text still refused, as when every barcode was decoded."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import scipy.sparse as sp

from jae.io import _fragtext, fragments
from jae.io.fragments import count_fragments

PEAKS = [f"chr{c}-{s}-{s + 150}" for c in (1, 2) for s in range(0, 20_000, 400)]


def _file(tmp_path, rng, *, n: int = 20_000, n_cells: int = 40, n_background: int = 6_000, gz: bool = True):
    """``n`` fragments sorted by contig and start, half of them of ``n_cells`` cells and half of ``n_background``
    background barcodes (each seen once or a few times); the path and the cells, in the file's naming."""
    cells = [f"CELL{i:03d}-1" for i in range(n_cells)]
    background = [f"{''.join(rng.choice(list('ACGT'), 12))}-1" for _ in range(n_background)]
    barcode = np.where(rng.random(n) < 0.5, rng.choice(cells, n), rng.choice(background, n))
    chrom = rng.choice(["chr1", "chr2", "chrY"], n)
    start = rng.integers(0, 20_000, n)
    end = start + rng.integers(1, 500, n)
    order = np.lexsort((start, chrom))
    lines = ["# id=sim"] + [f"{chrom[i]}\t{start[i]}\t{end[i]}\t{barcode[i]}\t1" for i in order]
    text = ("\n".join(lines) + "\n").encode()
    path = tmp_path / ("f.tsv.gz" if gz else "f.tsv")
    path.write_bytes(gzip.compress(text) if gz else text)
    return path, cells


@pytest.fixture
def counters(monkeypatch):
    """Every _Counter that count_fragments makes."""
    made = []

    class Kept(fragments._Counter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(fragments, "_Counter", Kept)
    return made


def test_the_table_holds_the_cells_alone_and_a_bounded_sample(tmp_path, counters, monkeypatch):
    monkeypatch.setattr(fragments, "SAMPLE", 100)
    path, cells = _file(tmp_path, np.random.default_rng(0))
    count_fragments(path, PEAKS, cells=cells, progress_bar=False)
    count_fragments(path, PEAKS, progress_bar=False)
    with_cells, every = counters
    assert len(with_cells.file_barcodes) == len(cells)  # not the file's 6,000 background barcodes
    assert len(with_cells.sample) == 100 and len(with_cells.some_barcodes) == 100
    assert len(every.file_barcodes) > 4_000  # cells=None: every barcode is a row, so each is kept


@pytest.mark.parametrize("chunk_size, block", [(1_000_000, _fragtext.BLOCK), (997, 4096)])
def test_counts_equal_every_barcodes_count_in_the_cells_rows(tmp_path, monkeypatch, chunk_size, block):
    monkeypatch.setattr(_fragtext, "BLOCK", block)
    monkeypatch.setattr(fragments, "SAMPLE", 37)  # the sample fills inside a chunk, and grows its table
    rng = np.random.default_rng(1)
    path, cells = _file(tmp_path, rng)
    every = count_fragments(path, PEAKS, progress_bar=False, chunk_size=chunk_size)
    background = [b for b in every.obs_names if not b.startswith("CELL")]
    wanted = list(rng.permutation(cells[:30])) + background[:5] + ["ABSENT-1", "CELL999-1"]
    got = count_fragments(path, PEAKS, cells=wanted, progress_bar=False, chunk_size=chunk_size)
    rows = every.obs_names.get_indexer(wanted)
    expected = sp.vstack([every.X[r] if r >= 0 else sp.csr_matrix((1, len(PEAKS)), dtype=np.int32)
                          for r in rows.tolist()], format="csr")
    assert got.obs_names.tolist() == wanted and got.X.dtype == np.int32 and got.X.has_sorted_indices
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got.X, part), getattr(expected, part))
    assert got.X[:35].sum() > 0 and got.X[35:].nnz == 0


def test_the_refusals_still_quote_the_files_barcodes(tmp_path, monkeypatch):
    monkeypatch.setattr(fragments, "SAMPLE", 50)  # fewer than the first chunk's barcodes
    path, cells = _file(tmp_path, np.random.default_rng(2))
    with pytest.raises(ValueError) as renamed:
        count_fragments(path, PEAKS, cells=[f"{c}-s1d1" for c in cells], progress_bar=False, chunk_size=5_000)
    message = str(renamed.value)
    assert message.startswith("none of the 40 cells= barcodes is in fragments file f.tsv.gz's first 5000 ")
    assert "cells=[n.removesuffix('-1-s1d1') + '-1' for n in rna.obs_names]" in message
    with pytest.raises(ValueError) as absent:
        count_fragments(path, PEAKS, cells=["GGGG", "TTTT"], progress_bar=False)
    message = str(absent.value)
    assert "cells= like 'GGGG', 'TTTT'" in message
    quoted = message.split("the file's like ")[1].split(")")[0]
    assert quoted.count("'") == 4 and quoted.endswith(", ...") and quoted.split("'")[1].endswith("-1")


def test_a_background_barcode_that_is_no_utf8_is_refused_past_the_first_chunk(tmp_path):
    path, cells = _file(tmp_path, np.random.default_rng(3), gz=False)
    lines = path.read_bytes().split(b"\n")
    lines[15_000] = lines[15_000].replace(b"-1\t", b"\xff-1\t")  # far past the first chunk of 1,000
    path.write_bytes(b"\n".join(lines))
    for wanted in (cells, None):
        with pytest.raises(ValueError, match=r"^fragments file f.tsv, line 15001: expected .*\(its names are no UTF-8 "
                                             r"text\); pass a 10x fragments file, or fix that line$"):
            count_fragments(path, PEAKS, cells=wanted, progress_bar=False, chunk_size=1_000)


def test_the_utf8_check_agrees_with_python():
    rng = np.random.default_rng(4)
    pieces = [bytes([b]) for b in range(256)] + [chr(c).encode() for c in (0xE9, 0x20AC, 0x1F600, 0x10FFFF, 0x800)]
    pieces += [b"\xed\xa0\x80", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xf0\x8f\xbf\xbf", b"\xc0\xaf", b"\xf5\x80"]
    for _ in range(20_000):
        text = b"".join(pieces[i] for i in rng.integers(0, len(pieces), int(rng.integers(0, 5))))
        try:
            text.decode()
            expected = True
        except UnicodeDecodeError:
            expected = False
        buf = np.frombuffer(b"AC" + text + b"GT", np.uint8)
        assert _fragtext._is_utf8(buf, 2, 2 + len(text)) == expected, text


def test_a_cell_that_is_no_utf8_text_is_a_row_of_zeros(tmp_path, caplog):
    path, cells = _file(tmp_path, np.random.default_rng(5), n=2_000, n_background=50)
    got = count_fragments(path, PEAKS, cells=["\ud800-1", *cells[:3]], progress_bar=False)
    assert got.X[0].nnz == 0 and got.X[1:].sum() > 0
    assert "1 of the 4 cells have no fragment" in caplog.text
