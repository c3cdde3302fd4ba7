"""Session 47 walk: damaged fragments files, as a user hands them to ``jae embed --fragments``.

A gzip file cut short (an interrupted download or copy), or with bytes after its end, was a Python traceback
(EOFError) or a bare ``Not a gzipped file (b'no')`` naming no file; now one line naming the file and the fix, still
of gzip's own exception types for Python callers. A bgzip file without its end-of-file block (cut at a block
boundary, which gzip reads without complaint) and a plain-text file whose last line has no line end are counted as
read, with a warning that the file may be truncated.
"""

from __future__ import annotations

import gzip
import logging
import struct
import zlib

import pytest

from jae.cli import main
from jae.io.fragments import count_fragments
from test_s46_frag_roundtrip import write_fragments

PEAKS = ["chr1-0-100", "chr1-1000-1100"]
LINES = b"".join(b"chr1\t%d\t%d\tAAAC-1\t1\n" % (i % 900, i % 900 + 50) for i in range(60_000))
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def _bgzf(data: bytes, eof: bool = True) -> bytes:
    out = []
    for lo in range(0, len(data), 65280):
        part = data[lo:lo + 65280]
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = comp.compress(part) + comp.flush()
        out.append(struct.pack("<4BI2BH2BHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, len(body) + 25) + body
                   + struct.pack("<II", zlib.crc32(part), len(part)))
    return b"".join(out) + (BGZF_EOF if eof else b"")


def test_a_gzip_file_cut_short_is_one_line_naming_it(tmp_path):
    data = gzip.compress(LINES)
    cut = tmp_path / "cut.tsv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"^fragments file cut\.tsv\.gz ends before its gzip stream does .*truncated"
                                         r".*copy it again") as info:
        count_fragments(cut, PEAKS, progress_bar=False)
    assert isinstance(info.value, EOFError)  # as gzip raises it, for Python callers catching that


def test_bytes_after_the_gzip_end_and_damaged_data_are_one_line(tmp_path):
    data = gzip.compress(LINES)
    extra = tmp_path / "extra.tsv.gz"
    extra.write_bytes(data + b"not gzip at all")
    with pytest.raises(ValueError, match=r"^fragments file extra\.tsv\.gz is no whole gzip file \(.*Not a gzipped "
                                         r"file.*\): ") as info:
        count_fragments(extra, PEAKS, progress_bar=False)
    assert isinstance(info.value, gzip.BadGzipFile)
    bad = bytearray(data)
    bad[12:40] = b"\xff" * 28  # the deflate stream's start: zlib refuses it
    broken = tmp_path / "broken.tsv.gz"
    broken.write_bytes(bytes(bad))
    with pytest.raises(ValueError, match=r"^fragments file broken\.tsv\.gz is no whole gzip file \(") as info:
        count_fragments(broken, PEAKS, progress_bar=False)
    assert isinstance(info.value, zlib.error)


def test_jae_embed_says_the_truncated_file_in_one_line(default_fit, tmp_path, caplog):
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    mdata["rna"].write_h5ad(tmp_path / "q.mod1.h5ad")
    write_fragments(tmp_path / "whole.tsv.gz", mdata["atac"])
    data = (tmp_path / "whole.tsv.gz").read_bytes()
    cut = tmp_path / "atac_fragments.tsv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.ERROR, logger="jae"):
        code = main(["-q", "embed", "--model", str(tmp_path / "model"), "--mod1", str(tmp_path / "q.mod1.h5ad"),
                     "--fragments", str(cut), "--out", str(tmp_path / "e.h5ad"), "--finetune-epochs", "0",
                     "--device", "cpu"])
    assert code == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith("--fragments file atac_fragments.tsv.gz ends before its gzip stream does"), errors
    assert not (tmp_path / "e.h5ad").exists()


def test_a_bgzip_file_without_its_end_block_and_a_cut_text_file_warn(tmp_path, caplog):
    whole = tmp_path / "whole.tsv.gz"
    whole.write_bytes(_bgzf(LINES))
    cut = tmp_path / "noeof.tsv.gz"
    cut.write_bytes(_bgzf(LINES, eof=False))
    text = tmp_path / "cut.tsv"
    text.write_bytes(LINES[:-7])
    with caplog.at_level(logging.WARNING, logger="jae.io.fragments"):
        a = count_fragments(whole, PEAKS, progress_bar=False)
        assert not caplog.records
        b = count_fragments(cut, PEAKS, progress_bar=False)
        assert (a.X != b.X).nnz == 0  # counted as read
        assert len(caplog.records) == 1
        assert "noeof.tsv.gz has no bgzip end-of-file block" in caplog.records[0].getMessage()
        caplog.clear()
        count_fragments(text, PEAKS, progress_bar=False)
        assert len(caplog.records) == 1
        assert "cut.tsv ends inside a line" in caplog.records[0].getMessage()
        caplog.clear()
        plain = tmp_path / "plain.tsv"
        plain.write_bytes(LINES)
        count_fragments(plain, PEAKS, progress_bar=False)
        gz = tmp_path / "plain.tsv.gz"
        gz.write_bytes(gzip.compress(LINES))  # a plain gzip: no bgzip block, nothing to warn
        count_fragments(gz, PEAKS, progress_bar=False)
        assert not caplog.records
