"""benchmarks/metrics_speed.py: a missing scib Python or bad arguments stop with one line before any timing run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import metrics_speed  # noqa: E402


class _Reached(Exception):
    pass


@pytest.fixture
def never_times(monkeypatch):
    monkeypatch.setattr(metrics_speed, "synthetic", lambda *a, **k: (_ for _ in ()).throw(_Reached()))
    monkeypatch.setattr(metrics_speed, "_thread_env", lambda threads: {})  # keep this process's thread settings


def _refused(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        metrics_speed.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_a_missing_scib_python_is_named_before_jae_is_timed(capsys, never_times, tmp_path):
    out = ["--out", str(tmp_path / "speed.md"), "--sizes", "500"]
    # was: jae's timings ran first (minutes at 70,000 cells), then a RuntimeError traceback from `nice`
    line = _refused(capsys, ["--scib-python", str(tmp_path / "no_python"), *out])
    assert f"--scib-python {tmp_path / 'no_python'} is not an executable Python" in line and "--skip-scib" in line
    assert "--threads must be positive" in _refused(capsys, ["--threads", "0", "--skip-scib", *out])
    assert "nothing to time" in _refused(capsys, ["--skip-jae", "--skip-scib", *out])
    assert "does not exist" in _refused(capsys, ["--render-only", str(tmp_path / "none.json"), *out])
    assert not (tmp_path / "speed.md").exists()
    earlier = tmp_path / "scib.json"  # scib's figures reused from an earlier run need no scib Python
    earlier.write_text(json.dumps([{"n_cells": 500, "jae": None, "scib": {"times": {"total": 1.0}}}]))
    with pytest.raises(_Reached):
        metrics_speed.main(["--scib-python", str(tmp_path / "no_python"), "--scib-results", str(earlier), *out])


def test_an_earlier_report_is_replaced_only_with_overwrite(capsys, never_times, tmp_path):
    out = tmp_path / "speed.md"
    out.with_suffix(".json").write_text("[]")  # was: the run wrote over the recorded metrics_speed.md / .json
    line = _refused(capsys, ["--skip-scib", "--sizes", "500", "--out", str(out)])
    assert f"{out.with_suffix('.json')} exists; pass --overwrite" in line
    assert "metrics_speed.md exists" in _refused(capsys, ["--skip-scib", "--sizes", "500"])
    with pytest.raises(_Reached):
        metrics_speed.main(["--skip-scib", "--sizes", "500", "--out", str(out), "--overwrite"])
    assert out.with_suffix(".json").read_text() == "[]"


def test_a_failed_write_leaves_the_recorded_report_whole(monkeypatch, tmp_path):
    out, rows = tmp_path / "speed.md", tmp_path / "rows.json"
    out.write_text("recorded\n")
    rows.write_text("[]")
    monkeypatch.setattr(metrics_speed, "report", lambda *a, **k: "new report\n")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics_speed.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):  # was: --render-only rewrote the report in place
        metrics_speed.main(["--render-only", str(rows), "--out", str(out), "--skip-scib"])
    assert out.read_text() == "recorded\n" and sorted(p.name for p in tmp_path.iterdir()) == ["rows.json", "speed.md"]
    monkeypatch.undo()
    monkeypatch.setattr(metrics_speed, "report", lambda *a, **k: "new report\n")
    assert metrics_speed.main(["--render-only", str(rows), "--out", str(out), "--skip-scib"]) == 0
    assert out.read_text() == "new report\n"
