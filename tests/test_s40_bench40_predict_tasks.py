"""benchmarks/predict.py --tasks: an entry that matched no task was dropped without a word when another entry
matched (``--tasks cite,snarseq`` ran the CITE tasks alone and wrote predict.json/.md as if complete). Every entry must
now match a task, refused in one line before anything runs or is written."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import predict  # noqa: E402

TASKS = ["bmmc_cite_GEX2ADT", "snareseq_GEX2ATAC"]


@pytest.fixture
def tasks(monkeypatch):
    """Two named tasks, no data read; what benchmark() is handed is recorded. main()'s settings are put back."""
    ran = {}
    monkeypatch.setattr(predict, "load_tasks", lambda data: [predict.Task(n, *[None] * 4) for n in TASKS])
    monkeypatch.setattr(predict, "data_files", lambda data: [])
    monkeypatch.setattr(predict, "benchmark", lambda tasks, out, **kw: ran.update(names=[t.name for t in tasks]))
    root, threads = list(logging.root.handlers), torch.get_num_threads()
    yield ran
    logging.root.handlers[:] = root
    torch.set_num_threads(threads)


def test_an_entry_matching_no_task_is_refused_beside_one_that_matches(capsys, tasks, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        predict.main(["--tasks", "cite,snarseq", "--out", str(out)])
    assert stop.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--tasks 'snarseq' (in cite,snarseq) matches no task" in line and "snareseq_GEX2ATAC" in line
    assert tasks == {} and not out.exists()


def test_entries_that_all_match_select_as_before(tasks, tmp_path):
    predict.main(["--tasks", "cite,snareseq_GEX", "--out", str(tmp_path / "out")])
    assert tasks == {"names": TASKS}
