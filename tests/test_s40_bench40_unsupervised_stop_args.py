"""benchmarks/_unsupervised_stop.py: the documented ``--report`` (no --jsonl) ended in a FileNotFoundError traceback
(it read ./unsupervised_stop.jsonl, while the recorded rows are benchmarks/results/unsupervised_stop.jsonl); a
mistyped set stopped with a KeyError after the sets before it were fitted. --report now reads the recorded rows by
default and a missing file or set is one argparse line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _unsupervised_stop  # noqa: E402


@pytest.fixture
def runs(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(_unsupervised_stop, "run", lambda *a, **k: calls.append(a))
    monkeypatch.chdir(tmp_path)
    root, jae_log = list(logging.root.handlers), logging.getLogger("jae").level
    yield calls
    logging.root.handlers[:] = root
    logging.getLogger("jae").setLevel(jae_log)


def _main(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", ["_unsupervised_stop.py", *argv])
    return _unsupervised_stop.main()


def test_report_without_jsonl_prints_the_recorded_table(capsys, monkeypatch, runs):
    _main(monkeypatch, "--report")
    out = capsys.readouterr().out
    # tuning.md round 53's PBMC10k row at the 0.1% bar, from the recorded rows
    assert "| pbmc10k_cite | 0.001 | 72>56 61>58 92>50 95>48 77>65 |" in out
    assert runs == []


@pytest.mark.parametrize("argv, words", [
    (["--report", "--jsonl", "absent.jsonl"], "--report: no absent.jsonl"),
    (["--sets", "sim_cite_small", "reapseq800"], "reapseq800 is no set"),
    (["--sets", "sim_cite_small", "--jsonl", "no-folder/rows.jsonl"], "folder no-folder does not exist"),
])
def test_bad_arguments_stop_with_one_line_before_any_fit(capsys, monkeypatch, runs, argv, words):
    with pytest.raises(SystemExit) as stop:
        _main(monkeypatch, *argv)
    assert stop.value.code == 2
    assert words in capsys.readouterr().err
    assert runs == []


def test_a_run_appends_to_the_working_folder_by_default(monkeypatch, runs, tmp_path):
    _main(monkeypatch, "--sets", "sim_cite_small", "--seeds", "1", "--tolerances", "0.01")
    assert runs == [("sim_cite_small", 1, [0.01], "unsupervised_stop.jsonl")]
