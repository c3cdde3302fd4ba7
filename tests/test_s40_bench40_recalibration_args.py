"""benchmarks/_recalibration.py: a mistyped set name ended in a KeyError traceback listing only five of the names it
takes, and negative finetune epochs were refused only after the 30-epoch reference fit. Both are now one argparse
line before any work."""

from __future__ import annotations

import logging
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCH / "_recalibration.py"


class _SetUp(Exception):
    pass


@pytest.fixture
def no_setup(monkeypatch):
    """The set's loading and split, if the script reached it, raises _SetUp; logging is put back afterwards."""
    monkeypatch.syspath_prepend(str(BENCH))
    import mapping

    def setup(*a, **k):
        raise _SetUp

    monkeypatch.setattr(mapping, "_setup", setup)
    root = list(logging.root.handlers)
    yield
    logging.root.handlers[:] = root


@pytest.mark.parametrize("argv, words", [
    (["reapseq800", "0", "5"], "reapseq800 is no set"),
    (["sim_cite_small", "0", "-1"], "-1 finetune epochs; pass 0 or more"),
])
def test_bad_arguments_stop_with_one_line_before_any_work(capsys, monkeypatch, no_setup, argv, words):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *argv])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert stop.value.code == 2
    assert words in capsys.readouterr().err


def test_valid_arguments_reach_the_set_up(monkeypatch, no_setup):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "sim_cite_small", "0", "0"])
    with pytest.raises(_SetUp):
        runpy.run_path(str(SCRIPT), run_name="__main__")
