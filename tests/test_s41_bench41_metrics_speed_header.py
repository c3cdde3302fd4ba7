"""benchmarks/metrics_speed.py --render-only wrote the report's header from its own flags' defaults, not from the run
that made the JSON: the recorded results/metrics_speed.md (a 9000 s scib cap, scib's figures reused from
``--scib-results metrics_speed.json``) came back with a 3600 s cap and without the reuse paragraph. A timing run now
records its threads, scib cap and reused scib JSON with every row, and --render-only writes the header from them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import metrics_speed  # noqa: E402


def _suite(seconds: float) -> dict:
    steps = ("neighbors", *metrics_speed.METRICS, "total")
    return {"times": dict.fromkeys(steps, seconds), "cpu": dict.fromkeys(steps, seconds),
            "values": {m: 0.5 for m in metrics_speed.METRICS}}


@pytest.fixture
def no_timing(monkeypatch):
    """The data and jae's metric suite are stubs (no timing is run); the thread settings main() makes are put back."""
    monkeypatch.setattr(metrics_speed, "synthetic", lambda n, **k: (None, None, None, None))
    monkeypatch.setattr(metrics_speed, "run_jae", lambda *a: _suite(1.0))
    for key in metrics_speed._thread_env(1):
        monkeypatch.delenv(key, raising=False)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_render_only_writes_the_header_the_timing_run_wrote(no_timing, tmp_path, capsys):
    scib = tmp_path / "scib_side.json"
    scib.write_text(json.dumps([{"n_cells": 300, "jae": None, "scib": _suite(20.0)}]))
    timed, rendered = tmp_path / "timed.md", tmp_path / "rendered.md"
    assert metrics_speed.main(["--sizes", "300", "--threads", "2", "--scib-cap", "900", "--scib-results", str(scib),
                               "--out", str(timed)]) == 0
    text = timed.read_text()
    assert "2 thread(s)" in text and "a 900 s cap" in text and "`--scib-results scib_side.json`" in text
    assert metrics_speed.main(["--render-only", str(timed.with_suffix(".json")), "--out", str(rendered)]) == 0
    assert rendered.read_text() == text


def test_the_recorded_report_is_what_render_only_writes(tmp_path, capsys):
    out = tmp_path / "metrics_speed.md"
    assert metrics_speed.main(["--render-only", str(BENCH / "results" / "metrics_speed.json"), "--out", str(out)]) == 0
    assert out.read_text() == (BENCH / "results" / "metrics_speed.md").read_text()
