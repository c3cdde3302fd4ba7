"""A Cell Ranger matrix folder's counts in blocks of cells (session 52, jae.io.mtx_blocks): the Matrix Market file,
its entries in no order of cells (scipy's mmwrite writes them by feature; here also shuffled), read once into a copy
ordered by cell gives the rows of jae.read_10x_mtx bit for bit, for buckets of 1 to 100 cells, gzip'd or not, with
cells without counts, a feature type jae leaves out, repeated entries and stored zeros; a line the parser cannot read
is refused in one line naming the file and the line, and the copy is removed."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.io.cellranger_blocks import file_counts, modality_blocks, read_header, scan_counts
from jae.io.mtx_blocks import MtxCounts
from test_s50_mtx_reader import _cite, write_mtx


def _shuffled(folder, *, seed=0, extra=b"", gz=True):
    """Rewrite the folder's matrix file with its entries in a random order (and ``extra`` lines appended)."""
    name = folder / ("matrix.mtx.gz" if gz else "matrix.mtx")
    opener = gzip.open if gz else open
    with opener(name, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    head = [i for i, t in enumerate(lines) if not t.startswith(b"%")][0]
    body = lines[head + 1:]
    order = np.random.default_rng(seed).permutation(len(body))
    with opener(name, "wb") as f:
        f.writelines(lines[:head + 1] + [body[i] for i in order])
        f.write(extra)
    return folder


def _folder(tmp_path, *, gz=True, n=37, duplicates=False):
    X, names, types = _cite(n=n)  # genes, proteins, and a Multiplexing Capture feature jae leaves out
    X[[0, 5, 6, n - 1]] = 0  # cells without counts, at the edges of buckets and first and last
    X[3, 8:12] = 0  # a cell without protein counts
    folder = _shuffled(write_mtx(tmp_path / "f", X, names, types, gz=gz), gz=gz)
    if duplicates:  # a cell's gene given twice, and an entry of 0 repeating one: summed as reading whole sums them
        name = folder / ("matrix.mtx.gz" if gz else "matrix.mtx")
        opener = gzip.open if gz else open
        with opener(name, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        size = next(i for i, t in enumerate(lines) if not t.startswith(b"%"))
        rows, cols, nnz = (int(v) for v in lines[size].split())
        lines[size] = b"%d %d %d\n" % (rows, cols, nnz + 2)
        with opener(name, "wb") as f:
            f.writelines(lines[:size + 2] + [b"2 8 3\n", b"4 9 0\n"] + lines[size + 2:])
    return folder


def _rows(counts, columns, rows):
    blocks = list(modality_blocks(counts, columns, rows))
    return {m: sp.vstack([b[m] for b in blocks], format="csr") for m in columns}


@pytest.mark.parametrize("cells", [1, 2, 5, 7, 36, 37, 100])
@pytest.mark.parametrize("gz", [True, False])
def test_blocks_are_the_rows_read_whole(tmp_path, cells, gz):
    folder = _folder(tmp_path, gz=gz, duplicates=gz)
    whole = jae.read_10x_mtx(folder)
    header, columns = read_header(folder)
    counts = MtxCounts(folder, block_cells=cells)
    try:
        got = _rows(counts, columns, 4)
        assert counts.shape == (37, 13)
    finally:
        counts.close()
    assert not counts.path.exists() and not counts.path.parent.exists()
    assert list(got) == list(whole.mod) == ["rna", "prot"]
    for m in whole.mod:
        want = whole[m].layers["counts"]
        assert got[m].dtype == np.float32 and got[m].shape == want.shape
        assert np.array_equal(got[m].indptr, want.indptr)
        assert np.array_equal(got[m].indices, want.indices) and np.array_equal(got[m].data, want.data)
        assert header[m].var.equals(whole[m].var) and header.obs_names.equals(whole.obs_names)


def test_totals_and_empty_cells_as_read_whole(tmp_path, scratch):
    folder = _folder(tmp_path, duplicates=True)
    whole = jae.read_10x_mtx(folder)
    counts = file_counts(folder)
    assert isinstance(counts, MtxCounts) and counts.path.is_relative_to(scratch)
    totals, empty = scan_counts(counts, read_header(folder)[1])
    counts.close()
    for m in whole.mod:
        X = whole[m].layers["counts"]
        assert np.array_equal(totals[m], np.asarray(X.sum(axis=0), dtype=np.float32).ravel())
        assert empty[m] == int(np.count_nonzero(np.asarray(X.sum(axis=1)).ravel() == 0))
    assert empty == {"rna": 4, "prot": 5}
    assert not list(scratch.glob("jae-*"))


def test_pieces_of_a_few_lines_and_blank_lines(tmp_path, monkeypatch):
    import jae.io.mtx_blocks as blocks

    folder = _shuffled(_folder(tmp_path, gz=False), seed=1, extra=b"\n\n", gz=False)
    text = (folder / "matrix.mtx").read_bytes().replace(b"\n1 ", b"\n\n1 ", 3)  # blank lines among the entries
    (folder / "matrix.mtx").write_bytes(text)
    whole = jae.read_10x_mtx(folder)
    monkeypatch.setattr(blocks, "PIECE_BYTES", 50)  # a few lines a piece, cut mid-line
    header, columns = read_header(folder)
    counts = MtxCounts(folder, block_cells=3)
    got = _rows(counts, columns, 10)
    counts.close()
    for m in whole.mod:
        assert (got[m] != whole[m].layers["counts"]).nnz == 0


@pytest.mark.parametrize("bad, line, says", [
    (b"2 x 1\n", 6, "Invalid integer value: '2 x 1'"),
    (b"99 1 1\n", 6, "Row index out of bounds: '99 1 1'"),
    (b"1 1 1\n1 1 1\n", 5, "more entries than the"),
])
def test_a_bad_line_refused_naming_it(tmp_path, scratch, monkeypatch, bad, line, says):
    import jae.io.mtx_blocks as blocks

    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "features.tsv").write_text("".join(f"ID{i}\tG{i}\tGene Expression\n" for i in range(3))
                                         + "ID3\tCD3\tAntibody Capture\n")
    (folder / "barcodes.tsv").write_text("A-1\nB-1\n")
    body = b"1 1 5\n4 2 1\n" + bad if len(bad) < 10 else bad
    (folder / "matrix.mtx").write_bytes(b"%%MatrixMarket matrix coordinate integer general\n%\n4 2 "
                                        + b"%d\n" % (3 if len(bad) < 10 else 1) + body)
    monkeypatch.setattr(blocks, "PIECE_BYTES", 7)
    with pytest.raises(ValueError) as err:
        MtxCounts(folder)
    text = str(err.value)
    assert text.startswith(f"Cell Ranger matrix {folder / 'matrix.mtx'} cannot be read as a Matrix Market file "
                           f"(line {line}: {says}")
    assert text.endswith("check the file (copy or download it again)") and "\n" not in text
    with pytest.raises(ValueError, match="cannot be read as a Matrix Market file"):
        jae.read_10x_mtx(folder)  # refused read whole too
    assert not list(scratch.glob("jae-*"))  # nothing half-written left


def test_a_file_cut_short_refused(tmp_path, scratch):
    folder = _folder(tmp_path)
    data = (folder / "matrix.mtx.gz").read_bytes()
    lines = gzip.decompress(data).splitlines(keepends=True)
    (folder / "matrix.mtx.gz").write_bytes(gzip.compress(b"".join(lines[:-3])))
    with pytest.raises(ValueError, match=r"cannot be read as a Matrix Market file \(the file ends after \d+ of the "
                       r"\d+ entries its header announces"):
        MtxCounts(folder)
    (folder / "matrix.mtx.gz").write_bytes(data[: len(data) // 2])  # a gzip stream cut in the middle
    with pytest.raises(ValueError, match="cannot be read as a Matrix Market file"):
        MtxCounts(folder)
    assert not list(scratch.glob("jae-*"))
