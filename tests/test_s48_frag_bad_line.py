"""The refusal of a fragments file names its bad line as the kernel reads the file (session 48): a contig or
barcode that is no UTF-8 text got "could not be read" with no line named (the finder read the file as text with
the bad bytes replaced, so every line looked whole), and a lone CR inside a line (the kernel splits lines at '\\n'
alone) moved the line number the finder gave by one."""

from __future__ import annotations

import gzip

import pytest

from jae.io.fragments import count_fragments

PEAKS = ["chr1-0-1000", "chr1-5000-6000"]
GOOD = b"chr1\t100\t300\tAAAC-1\t1\nchr1\t5100\t5200\tAAAG-1\t2\n"


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cells", [None, ["AAAC-1", "AAAG-1"]])
def test_a_barcode_that_is_no_utf8_is_named_by_its_line(tmp_path, gz, cells):
    text = b"# comment\n" + GOOD + b"chr1\t120\t400\t\xffAAT-1\t1\n" + GOOD
    path = tmp_path / ("f.tsv.gz" if gz else "f.tsv")
    path.write_bytes(gzip.compress(text) if gz else text)
    with pytest.raises(ValueError, match=r"^fragments file f\.tsv(\.gz)?, line 4: expected .*got 'chr1\\t120\\t400\\t"
                                         r"\ufffdAAT-1\\t1' \(its names are no UTF-8 text\); pass a 10x fragments file"):
        count_fragments(path, PEAKS, cells=cells, progress_bar=False)


def test_a_lone_cr_inside_a_line_does_not_move_the_line_named(tmp_path):
    text = b"chr1\t100\t300\tAA\rBB-1\n" + GOOD + b"chr1\t300\t100\tCCCC-1\n"  # line 4: start after end
    path = tmp_path / "f.tsv"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=r"^fragments file f\.tsv, line 4: expected .*got 'chr1\\t300\\t100\\tCCCC-1'; "):
        count_fragments(path, PEAKS, progress_bar=False)


def test_crlf_lines_are_named_as_before(tmp_path):
    text = GOOD.replace(b"\n", b"\r\n") + b"chr1\tx\t300\tCCCC-1\r\n"
    path = tmp_path / "f.tsv"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=r"^fragments file f\.tsv, line 3: expected .*got 'chr1\\tx\\t300\\tCCCC-1'; "):
        count_fragments(path, PEAKS, progress_bar=False)
