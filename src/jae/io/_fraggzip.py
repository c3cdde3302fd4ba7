"""The bytes of a 10x fragments file, apart from its fragments: whether it is gzip, and the one-line refusals and
warnings of a file damaged or cut short (:func:`damaged`, :func:`check_end`), for
:func:`jae.io.fragments.count_fragments`."""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from pathlib import Path

logger = logging.getLogger(__name__)


def is_gzip(raw) -> bool:
    """Whether the file ``raw`` (opened binary, at its start, left there) starts with gzip's magic bytes (bgzip's
    too)."""
    head = raw.read(2)
    raw.seek(0)
    return head == b"\x1f\x8b"


class _CutGzip(ValueError, EOFError):
    """A gzip file that ends inside its stream: a ValueError (one line in the CLI), and the EOFError gzip raises."""


class _BadGzip(ValueError, gzip.BadGzipFile):
    """Bytes after a gzip file's end, or a failed CRC: a ValueError, and gzip's BadGzipFile."""


class _BadDeflate(ValueError, zlib.error):
    """Compressed data zlib cannot read: a ValueError, and zlib's error."""


def damaged(path: Path, error: BaseException) -> ValueError:
    """The one-line refusal of a gzip fragments file that cannot be read to its end, of gzip's exception type."""
    fix = ("copy it again (cellranger-arc's outs/atac_fragments.tsv.gz), or find where it breaks with "
           f"'gzip -t {path.name}'")
    if isinstance(error, EOFError):
        return _CutGzip(f"fragments file {path.name} ends before its gzip stream does ({os.path.getsize(path):,} "
                        f"bytes: truncated, as by an interrupted download or copy): {fix}")
    kind = _BadGzip if isinstance(error, gzip.BadGzipFile) else _BadDeflate
    return kind(f"fragments file {path.name} is no whole gzip file ({error}; damaged, or bytes added after its end): "
                f"{fix}")


#: bgzip's end-of-file block, the last 28 bytes of every whole bgzip file (htslib writes it, and warns without it).
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def check_end(path: Path, gzipped: bool) -> None:
    """Warn of a file that may be cut where reading it raised nothing: a bgzip file (its first block names itself
    ``BC``) without bgzip's end-of-file block (cut between blocks), or a text file ending inside a line."""
    with open(path, "rb") as raw:
        head = raw.read(18)
        raw.seek(max(os.path.getsize(path) - len(_BGZF_EOF), 0))
        tail = raw.read()
    if gzipped and len(head) == 18 and head[3] & 4 and head[12:14] == b"BC" and tail != _BGZF_EOF:
        logger.warning("fragments file %s has no bgzip end-of-file block: it may be truncated (cut between blocks, "
                       "as by an interrupted copy), and its counts are those of the fragments read; check it with "
                       "'bgzip -t %s' or copy it again", path.name, path.name)
    elif not gzipped and tail and not tail.endswith(b"\n"):
        logger.warning("fragments file %s ends inside a line: it may be truncated (as by an interrupted copy), and "
                       "its counts are those of the lines read; copy it again", path.name)
