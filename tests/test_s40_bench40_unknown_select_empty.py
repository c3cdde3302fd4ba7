"""benchmarks/_unknown_select.py: a set and seed whose reference has no type of --min-cells cells (the default 50 on the
bmmc starter sets, the script's default first set) left no type out; its empty rows were written to --csv as a blank
file, and the next seed stopped on it with a pandas EmptyDataError traceback. Such a set and seed is now skipped with
one line naming --min-cells, the --csv keeps only real rows, and a run with no rows at all ends in one line."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _unknown_select  # noqa: E402


@pytest.fixture
def no_types_left_out(monkeypatch):
    """run() leaves no type out (what protocol_split gives when no type has --min-cells cells)."""
    calls = []
    monkeypatch.setattr(_unknown_select, "run", lambda name, seed, *a: calls.append((name, seed)) or [])
    root = list(logging.root.handlers)
    with warnings.catch_warnings():
        yield calls
    logging.root.handlers[:] = root


def test_seeds_without_a_left_out_type_are_skipped_with_one_line(capsys, no_types_left_out, tmp_path):
    csv = tmp_path / "rows.csv"
    code = _unknown_select.main(["--sets", "sim_cite_small", "--seeds", "0", "1", "--csv", str(csv)])
    assert code == 1
    assert no_types_left_out == [("sim_cite_small", 0), ("sim_cite_small", 1)]
    err = capsys.readouterr().err
    assert "sim_cite_small seed 1: no reference type has 50 cells or more" in err
    assert "lower --min-cells" in err and "Traceback" not in err
    assert not csv.exists()
