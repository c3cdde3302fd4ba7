"""benchmarks/_cc_axes.py read its set names from sys.argv by hand: ``--help`` and a mistyped name ended in a KeyError
traceback, and a mistyped name after a good one only after that set's fit. Its arguments now go through argparse and
the sets are checked (names and data) before the first fit."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "_cc_axes.py"


def _run(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *argv])
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    return stop.value.code


def test_help_prints_usage(capsys, monkeypatch):
    assert _run(monkeypatch, "--help") == 0
    assert "usage:" in capsys.readouterr().out


def test_a_mistyped_set_is_one_line_before_any_fit(capsys, monkeypatch):
    assert _run(monkeypatch, "sim_cite_small", "reapseq800") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "reapseq800 is no set" in err[-1] and "reapseq_800" in err[-1]
    assert "Traceback" not in "\n".join(err)
