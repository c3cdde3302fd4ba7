"""The README's way to see jae's INFO lines in a notebook: ``logging.basicConfig(level=logging.INFO)`` works there (no
handler is set by the kernel) but shows other libraries' INFO lines too, and a scanpy user's reflex, the 'jae' logger's
level alone, shows nothing. The README said neither; it now gives the way to see jae's lines alone, which this runs
as written, in a fresh interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

_RUN = """
import logging
{setup}
logging.getLogger("other.library").info("OTHER INFO LINE")
import jae
jae.simulate(40, n_genes=200, n_peaks=80, seed=0)  # logs what it made at INFO
"""


def _stderr(setup: str) -> str:
    done = subprocess.run([sys.executable, "-c", _RUN.format(setup=setup)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_the_readmes_way_shows_jaes_info_lines_alone():
    text = " ".join(README.read_text().split())
    found = re.search(r"For jae's alone: `([^`]+)` then `([^`]+)`", text)
    assert found, "the README no longer says how to see jae's INFO lines alone"
    err = _stderr("\n".join(found.groups()))
    assert "INFO:jae.datasets.simulate:" in err
    assert "OTHER INFO LINE" not in err


def test_the_level_alone_shows_nothing_as_the_readme_says():
    assert "the level alone, without a handler, shows nothing" in " ".join(README.read_text().split())
    assert "jae.datasets.simulate" not in _stderr('logging.getLogger("jae").setLevel(logging.INFO)')
