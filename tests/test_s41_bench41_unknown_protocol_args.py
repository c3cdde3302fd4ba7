"""The leave-one-type-out protocol's counts (``_unknown_select.protocol_arguments``: --types, --min-cells, --max-ref)
took any integer: ``_unknown_types.py --types 0`` loaded the set and ended without a fit or a word (exit 0), as did
--max-ref 0, and --max-ref -5 stopped in a ValueError traceback. Each is now one argparse line naming the flag,
before any data is read, in every script of the protocol. A --min-cells no type reaches, which argparse cannot
know, is now said in one line per set and seed by _unknown_types.py (it said nothing)."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _unknown_select  # noqa: E402
import _unknown_types  # noqa: E402

BAD = [("--types", "0"), ("--types", "-1"), ("--min-cells", "0"), ("--max-ref", "0"), ("--max-ref", "-5")]


@pytest.fixture
def splits(monkeypatch):
    """protocol_split's calls (a stub: a reference of one type, none left out); main()'s logging and warning
    settings are put back."""
    calls = []

    def split(*a):
        calls.append(a)
        return None, pd.Series(["a"]), None, None, []

    monkeypatch.setattr(_unknown_types, "protocol_split", split)
    monkeypatch.setattr(_unknown_select, "run", lambda *a: calls.append(a) or [])
    root = list(logging.root.handlers)
    with warnings.catch_warnings():
        yield calls
    logging.root.handlers[:] = root


@pytest.mark.parametrize("main", [_unknown_types.main, _unknown_select.main], ids=["types", "select"])
@pytest.mark.parametrize("flag, value", BAD)
def test_counts_below_one_stop_with_one_line_before_any_data(capsys, splits, tmp_path, main, flag, value):
    with pytest.raises(SystemExit) as stop:
        main(["--sets", "sim_cite_small", "--seeds", "0", "--arrays", str(tmp_path / "arrays"), flag, value]
             if main is _unknown_types.main else ["--sets", "sim_cite_small", "--seeds", "0", flag, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(f"argument {flag}: expected a whole number of 1 or more, not '{value}'")
    assert splits == [] and not (tmp_path / "arrays").exists()


@pytest.mark.parametrize("flag, value", BAD)
def test_every_script_of_the_protocol_gets_the_check(capsys, flag, value):
    parser = argparse.ArgumentParser(prog="script.py")
    _unknown_select.protocol_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args([flag, value])
    assert f"argument {flag}: expected a whole number of 1 or more" in capsys.readouterr().err


def test_counts_of_one_or_more_reach_the_split(capsys, splits, tmp_path):
    assert _unknown_types.main(["--sets", "sim_cite_small", "--seeds", "3", "--arrays", str(tmp_path),
                                "--types", "1", "--min-cells", "1", "--max-ref", "1e3"]) == 0
    assert splits == [("sim_cite_small", 3, 1, 1, 1000)]


def test_a_min_cells_no_type_reaches_is_said(capsys, splits, tmp_path):
    assert _unknown_types.main(["--sets", "sim_cite_small", "--seeds", "0", "--arrays", str(tmp_path),
                                "--min-cells", "100000"]) == 0
    err = capsys.readouterr().err
    assert "sim_cite_small seed 0: no reference type has 100000 cells or more" in err and "lower --min-cells" in err
    assert list(tmp_path.iterdir()) == []
