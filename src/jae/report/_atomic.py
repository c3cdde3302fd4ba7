"""Atomic file writes for the report: a temporary file in the target folder, then ``os.replace``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["atomic_write", "check_not_input"]


def check_not_input(path: Path, protect: Iterable[os.PathLike | str]) -> None:
    """Raise when ``path`` is one of the protected (input) files."""
    target = Path(path).resolve()
    for p in protect:
        if target == Path(p).resolve():
            raise ValueError(f"refusing to overwrite input file {path}; choose another output folder")


def atomic_write(path: Path, write: Callable[[Path], None], *, protect: Iterable[os.PathLike | str] = ()) -> Path:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path``.

    Parameters
    ----------
    path
        Final file path; its folder is created when missing.
    write
        Writes the content to the path it is given (same folder, hidden temporary name, same suffix).
    protect
        Paths that must not be written (the inputs).

    Returns
    -------
    ``path``.
    """
    path = Path(path)
    check_not_input(path, protect)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
