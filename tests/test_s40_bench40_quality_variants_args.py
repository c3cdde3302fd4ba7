"""benchmarks/quality_variants.py: a mistyped setting (``pretrain``) was fitted and scored as the online setting
under its own name; a mistyped set, a bad seed list or config JSON ended in a traceback (a set after the sets before
it were fitted). Each is now one argparse line before the first fit."""

from __future__ import annotations

import logging
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCH / "quality_variants.py"


class _Fitted(Exception):
    pass


@pytest.fixture
def no_fit(monkeypatch):
    """A fit, if the script reached one, raises _Fitted; the logging the script configures is put back."""
    monkeypatch.syspath_prepend(str(BENCH))
    import quality

    def fit(*a, **k):
        raise _Fitted

    monkeypatch.setattr(quality, "fit_embed", fit)
    root = list(logging.root.handlers)
    yield
    logging.root.handlers[:] = root


@pytest.mark.parametrize("argv, words", [
    (["sim_cite_small", "0", "pretrain"], "'pretrain' is neither pretrained nor online"),
    (["sim_cite_small,reapseq800", "0", "online"], "reapseq800 is no set"),
    (["sim_cite_small", "0;1", "online"], "'0;1' is not comma-separated integers"),
    (["sim_cite_small", "0", "online", '{"max_epoch": 2}'], "is not a JSON object of JAEConfig fields"),
    (["sim_cite_small", "0", "online", "max_epochs=2"], "is not a JSON object of JAEConfig fields"),
])
def test_bad_arguments_stop_with_one_line_before_any_fit(capsys, monkeypatch, no_fit, argv, words):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *argv])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert stop.value.code == 2
    assert words in capsys.readouterr().err


def test_valid_arguments_reach_the_fit(monkeypatch, no_fit):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "sim_cite_small", "0", "online", '{"max_epochs": 2}'])
    with pytest.raises(_Fitted):
        runpy.run_path(str(SCRIPT), run_name="__main__")
