"""Temporaries of jae's atomic writer that a killed run left beside an output, named in one warning.

:func:`jae.io.atomic.atomic_path` writes ``.NAME.<12 hex>.tmp<suffix>`` beside ``NAME`` and removes it on any error
it sees; a run killed outright (SIGKILL, the out-of-memory killer) sees none, and the temporary (up to the size of
the whole output) stays. The next write of the same output names such leftovers, their size and the command that
removes them; nothing is deleted (another jae run may be writing the same output now). Each leftover is named once
per process: the output checks before the work (:func:`jae.io.outputs.check_outputs`) name it, the write does not
again.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import time
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["leftovers", "warn_leftovers"]


def _started() -> float:
    """When this process started (seconds since the epoch), from ``/proc/self/stat``; where that is unknown, when
    this module was imported."""
    try:
        with open("/proc/self/stat") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return _IMPORTED


_IMPORTED = time.time()
_STARTED = _started()
_NAMED: set[Path] = set()  # leftovers already named by this process


def leftovers(path: Path, *, staging: bool = False) -> list[Path]:
    """The temporaries of jae's atomic writer for ``path`` older than this process: ``.NAME.<12 hex>.tmp<suffix>``
    (and ``.NAME.<12 hex>.old``, an earlier output kept aside while the new one moved in) beside ``path``; with
    ``staging`` (a folder of results, :func:`jae.io.atomic.atomic_files`) ``.NAME.<12 hex>.tmp`` beside it or in it."""
    name = re.escape(path.name)
    suffix = "" if staging else re.escape(path.suffix)
    pattern = re.compile(rf"\.{name}\.[0-9a-f]{{12}}\.(?:tmp{suffix}|old)")
    folders = [path.parent] + ([path] if staging and path.is_dir() and not path.is_symlink() else [])
    found = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if pattern.fullmatch(entry.name):
                try:
                    if entry.stat(follow_symlinks=False).st_mtime < _STARTED:
                        found.append(Path(entry.path))
                except OSError:
                    continue
    return sorted(found)


def _size(path: Path) -> int:
    if not path.is_dir() or path.is_symlink():
        return path.lstat().st_size
    return sum(os.lstat(os.path.join(root, f)).st_size for root, _, files in os.walk(path) for f in files)


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"  # pragma: no cover


def warn_leftovers(path: Path, *, staging: bool = False) -> list[Path]:
    """Log one warning naming the :func:`leftovers` of ``path``, their size and the command removing them; deletes
    nothing. Returns them."""
    found = [p for p in leftovers(path, staging=staging) if p not in _NAMED]
    _NAMED.update(found)
    if found:
        try:
            size = sum(_size(p) for p in found)
        except OSError:
            size = 0
        logger.warning(
            "%d temporar%s of an earlier jae run writing %s that did not finish (killed?) %s left beside it (%s): %s; "
            "unless another jae run is writing %s now, remove %s: rm -rf -- %s", len(found),
            "y" if len(found) == 1 else "ies", path, "is" if len(found) == 1 else "are", _human(size),
            ", ".join(p.name for p in found), path.name, "it" if len(found) == 1 else "them",
            " ".join(shlex.quote(str(p)) for p in found),
        )
    return found
