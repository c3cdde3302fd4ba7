"""benchmarks/impute_memory.py parsed its CELLSxPEAKS arguments by hand: ``--help`` ended in a ValueError traceback
(``int('--help')``), and so did a mistyped size. Its arguments now go through argparse."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "impute_memory.py"


def _run(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *argv])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    return stop.value.code


def test_help_prints_usage(capsys, monkeypatch):
    assert _run(monkeypatch, "--help") == 0
    assert "CELLSxPEAKS" in capsys.readouterr().out


@pytest.mark.parametrize("size", ["2000X4000", "0x100", "2000x", "abc"])
def test_a_bad_size_is_one_line_before_any_fit(capsys, monkeypatch, size):
    assert _run(monkeypatch, "1000x4000", size) == 2
    err = capsys.readouterr().err
    assert f"{size!r} is not CELLSxPEAKS" in err and "Traceback" not in err
