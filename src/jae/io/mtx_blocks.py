"""A Cell Ranger matrix folder's counts in blocks of cells, never whole: for the disk routes of
:mod:`jae.io.samples_files` (one folder over the memory budget, several samples combined on disk).

The Matrix Market file holds features x cells coordinates in no guaranteed order of cells (Cell Ranger writes them by
cell, ``scipy.io.mmwrite`` by feature), so no block of cells can be read from it in place. :class:`MtxCounts` reads it
once, as a stream (gzip'd or not), in pieces of about :data:`PIECE_BYTES` of text, each parsed by the parser that
reads the file whole (:func:`scipy.io.mmread`, so every value reads the same both ways); each piece's entries go, in
the file's order, to buckets of consecutive cells on disk; each bucket is then made the CSR rows of its cells as
reading the file whole makes the whole matrix (float32 counts, ``coo_matrix(...).tocsr()``: a cell's entries in the
file's order, repeated ones summed alike), written to a temporary HDF5 file, and :meth:`MtxCounts.blocks` reads that
file as :class:`jae.io.chunked.BackedCounts` reads an ``.h5ad``. The rows are those of :func:`jae.read_10x_mtx`, bit
for bit; memory holds one piece and one bucket (about :data:`BUCKET_ENTRIES` entries). A line the parser cannot read
is refused in one line naming the file and the line.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
from pathlib import Path

import h5py
import numpy as np
import scipy.sparse as sp

from .chunked import BackedCounts, matrix_bytes, read_ahead

__all__ = ["MtxCounts", "PIECE_BYTES", "BUCKET_ENTRIES"]

logger = logging.getLogger(__name__)

#: Bytes of the Matrix Market text parsed at once: about 2.5 million entries of Multiome counts, their parsed arrays
#: about 60 MB.
PIECE_BYTES = 32 << 20
#: Entries per bucket of consecutive cells (as the header's entries per cell predict them): the bucket's rows are made
#: in memory, about 40 bytes an entry while made.
BUCKET_ENTRIES = 4 << 20
#: One entry as a bucket stores it: the cell (0-based), the feature (0-based) and the count as float32, as reading
#: the file whole holds it before the rows are made.
_RECORD = np.dtype([("cell", "<i4"), ("feature", "<i4"), ("count", "<f4")])
#: Bytes per entry of the temporary files while a matrix is turned (a bucket's record, the CSR's count and index).
SCRATCH_BYTES_PER_ENTRY = _RECORD.itemsize + 8


class MtxCounts(BackedCounts):
    """The counts of a Cell Ranger matrix folder (or its matrix file) ``path``, cells x every feature of the file, in
    row blocks: :meth:`blocks` as :meth:`jae.io.chunked.BackedCounts.blocks` (float32 CSR, int32 column indices).

    Made at once: the Matrix Market file is read (one pass) into a temporary HDF5 file of the system's temporary
    folder (``TMPDIR``), removed by :meth:`close`, at the end of the workflow that made it, or at exit
    (:func:`jae.io.samples_files.temporary_file`). ``block_cells`` overrides the cells per bucket (tests).
    """

    def __init__(self, path, *, block_cells: int | None = None) -> None:
        from .cellranger import mtx_files, mtx_header
        from .samples_files import temporary_file

        self.source = mtx_files(path)[0]
        n_features, n_cells, entries, fmt = mtx_header(self.source)  # the header read once
        self.modality, self.layer, self.encoding = None, None, "csr_matrix"
        self.shape = (n_cells, n_features)
        if block_cells is None:
            block_cells = max(1, min(n_cells, BUCKET_ENTRIES * n_cells // max(entries, 1)))
        with temporary_file("jae-mtx-", "counts.h5") as self.path:
            if fmt == "coordinate":
                _write_rows(self.source, self.path, self.shape, entries, block_cells)
            else:  # a dense ('array') Matrix Market file: read whole, as jae.read_10x_mtx reads it
                from .cellranger import _cells_by_features

                _write_matrix(self.path, self.shape, [_cells_by_features(self.source, n_cells, n_features)])
        with h5py.File(self.path, "r") as f:
            self.nbytes = matrix_bytes(f["X"])
        logger.info("%s: %d cells' counts read once into a temporary file in %s, ordered by cell",
                    self.source.name, n_cells, self.path.parent.parent)

    def _where(self) -> str:
        return f"Cell Ranger matrix {self.source.name}"

    def close(self) -> None:
        """Remove the temporary file (nothing else reads it)."""
        from .samples_files import _remove

        _remove(self.path)


def _write_matrix(path: Path, shape: tuple[int, int], blocks) -> None:
    """The row blocks ``blocks`` (CSR, in order) written as the CSR matrix ``X`` of a new HDF5 file ``path``."""
    from .samples_files import _Rows

    with h5py.File(path, "w") as f:
        rows = _Rows(f, shape)
        for block in blocks:
            rows.append(block)
        rows.close()


def _write_rows(matrix: Path, path: Path, shape: tuple[int, int], entries: int, block_cells: int) -> None:
    """The coordinates of the Matrix Market file ``matrix`` (``entries`` of them, features x cells) as the CSR rows
    cells x features of ``path``, through buckets of ``block_cells`` cells beside it."""
    n_cells, n_features = shape
    buckets = path.parent / "buckets"
    buckets.mkdir()
    seen = 0
    for banner, line, text, n in read_ahead(_pieces(matrix)):  # the next piece read (gunzipped) while this is parsed
        piece = _parse(matrix, banner, text, n, line, (n_features, n_cells))
        if seen + piece.nnz > entries:
            raise _bad(matrix, line + entries - seen, f"more entries than the {entries} its header announces")
        seen += piece.nnz
        _to_buckets(buckets, piece.col, piece.row, piece.data.astype(np.float32), block_cells)
        del piece
    if seen < entries:
        raise _bad(matrix, None, f"the file ends after {seen} of the {entries} entries its header announces (cut "
                                 "short?)")

    def rows():
        for start in range(0, n_cells, block_cells):
            stop = min(start + block_cells, n_cells)
            file = buckets / f"{start // block_cells}.bin"
            got = np.fromfile(file, _RECORD) if file.exists() else np.empty(0, _RECORD)
            if file.exists():
                os.remove(file)
            yield sp.coo_matrix((got["count"], (got["cell"] - start, got["feature"])),
                                shape=(stop - start, n_features)).tocsr()  # as the whole matrix is made

    _write_matrix(path, shape, rows())
    buckets.rmdir()


def _to_buckets(folder: Path, cells, features, counts, block_cells: int) -> None:
    """Append the entries to the files of their cells' buckets, each bucket's in the file's order."""
    records = np.empty(len(cells), _RECORD)
    records["cell"], records["feature"], records["count"] = cells, features, counts
    ids = np.asarray(cells, dtype=np.int64) // block_cells
    if len(ids) > 1 and (np.diff(ids) < 0).any():  # not by cell (scipy's mmwrite): grouped, the order kept
        order = np.argsort(ids, kind="stable")
        records, ids = records[order], ids[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.empty(0, np.int64)
    for s, e in zip(starts, np.r_[starts[1:], len(ids)]):
        with open(folder / f"{ids[s]}.bin", "ab") as fh:
            records[s:e].tofile(fh)


def _pieces(matrix: Path):
    """``(banner, line, text, lines)``: the Matrix Market file's entries in pieces of whole lines (about
    :data:`PIECE_BYTES`), each with the file's first line (the banner, which :func:`_parse` needs), the file's number
    of its first line and its count of lines; the size line is skipped (the header was read by
    :func:`jae.io.cellranger.mtx_header`)."""
    from .cellranger import _unreadable

    opener = gzip.open if matrix.name.endswith(".gz") else open
    try:
        with opener(matrix, "rb") as fh:
            line = 1
            banner = fh.readline()  # %%MatrixMarket matrix coordinate integer general
            while (head := fh.readline()) and (not head.strip() or head.lstrip().startswith(b"%")):
                line += 1  # comments, and blank lines, before the size line
            line += 2  # the first entry's line
            carry = b""
            while True:
                more = fh.read(PIECE_BYTES)
                text = carry + more
                cut = len(text) if not more else text.rfind(b"\n") + 1
                text, carry = text[:cut], text[cut:]
                if text:
                    n = text.count(b"\n") + (not text.endswith(b"\n"))
                    yield banner, line, text, n
                    line += n
                if not more:
                    return
    except (OSError, EOFError) as err:  # a cut gzip stream, a damaged block
        raise _unreadable(matrix, err) from None


def _parse(matrix: Path, banner: bytes, text: bytes, n: int, line: int, shape: tuple[int, int]):
    """The entries of ``text`` (``n`` lines of the file from line ``line``) as a COO matrix of the file's ``shape``,
    parsed as :func:`scipy.io.mmread` parses the whole file (its ``banner``, the first line, says the field: integer,
    real, pattern); blank lines skipped as it skips them."""
    import scipy.io

    try:
        return scipy.io.mmread(io.BytesIO(banner + b"%d %d %d\n" % (*shape, n) + text))
    except ValueError:
        pass
    lines = [(line + i, t) for i, t in enumerate(text.split(b"\n")) if t.strip()]  # blank lines are no entries
    kept = b"\n".join(t for _, t in lines) + b"\n"
    try:
        return scipy.io.mmread(io.BytesIO(banner + b"%d %d %d\n" % (*shape, len(lines)) + kept))
    except ValueError as err:
        at = re.match(r"Line (\d+): (.*)", str(err))
        if at is None or not 0 <= int(at.group(1)) - 3 < len(lines):
            raise _bad(matrix, line, str(err)) from None
        number, bad = lines[int(at.group(1)) - 3]
        shown = bad.decode(errors="replace").strip()
        raise _bad(matrix, number, f"{at.group(2).rstrip('.')}: {shown[:60]!r}") from None


def _bad(matrix: Path, line: int | None, why: str) -> ValueError:
    """The refusal of a Matrix Market file, in :func:`jae.io.cellranger._unreadable`'s words, naming the line."""
    from .cellranger import _unreadable

    return _unreadable(matrix, ValueError(why if line is None else f"line {line}: {why}"))
