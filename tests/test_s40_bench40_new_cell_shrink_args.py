"""benchmarks/_new_cell_shrink.py: --report on a --jsonl that does not exist ended in a pandas ValueError traceback
('Expected object or value'); a run without --sets did nothing and said nothing; a --jsonl in a missing folder failed
only after the first fit. Each is now one argparse line before any work."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _new_cell_shrink  # noqa: E402


class Reached(Exception):
    pass


@pytest.fixture
def never_runs(monkeypatch):
    """run() raises Reached; the logging and warning filters main() sets are put back afterwards."""
    def run(*a, **k):
        raise Reached(a)

    monkeypatch.setattr(_new_cell_shrink, "run", run)
    root = list(logging.root.handlers)
    with warnings.catch_warnings():
        yield
    logging.root.handlers[:] = root


@pytest.mark.parametrize("argv, words", [
    (["--report", "--jsonl", "{tmp}/absent.jsonl"], "--report: no {tmp}/absent.jsonl"),
    (["--jsonl", "{tmp}/rows.jsonl"], "--sets: name at least one set"),
    (["--sets", "sim_cite_small", "--jsonl", "{tmp}/no-folder/rows.jsonl"], "folder {tmp}/no-folder does not exist"),
])
def test_bad_arguments_stop_with_one_line_before_any_fit(capsys, never_runs, tmp_path, argv, words):
    with pytest.raises(SystemExit) as stop:
        _new_cell_shrink.main([a.format(tmp=tmp_path) for a in argv])
    assert stop.value.code == 2
    assert words.format(tmp=tmp_path) in capsys.readouterr().err


def test_a_good_run_reaches_its_fits(never_runs, tmp_path):
    with pytest.raises(Reached) as reached:
        _new_cell_shrink.main(["--sets", "sim_cite_small", "--seeds", "3", "--types", "1",
                               "--jsonl", str(tmp_path / "rows.jsonl")])
    assert reached.value.args[0][:3] == ("sim_cite_small", 3, 1)
