"""Writing a benchmark's results: one atomic text write for every script in ``benchmarks/``.

The text goes to a temporary file beside the target and is moved over it at once, so a kill or a full disk mid-write
leaves the recorded file as it was (the temporary file is removed on failure).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Replace ``path`` by ``text`` at once; returns ``path`` as a :class:`~pathlib.Path`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def shown(path: str | os.PathLike) -> str:
    """``path`` as a ``--help`` text shows it: relative to the repository root when it lies inside it.

    An absolute default such as ``/home/me/jae/benchmarks/results/scale`` depends on where the clone lives, and
    argparse breaks a word longer than the terminal's width mid-name; the root-relative form is short and the same
    in every clone."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path(__file__).resolve().parents[1]))
    except ValueError:
        return str(path)
