"""``python benchmarks/<script>.py --help`` for every script with a command line: no traceback, a description that is
a whole sentence, and a word on what it writes and where (or that it only prints).

Session 41 found, besides its help-free output flags (``--out``/``--results``/``--data-dir`` of _calib_shift,
_label_ceiling, metrics_speed, predict, scale, scale_map, scale_matmul, svd_subsample; fixed output files of
metrics_scale and vote_speed named nowhere in their help), descriptions cut mid-sentence (``__doc__``'s first line:
_recalibration's ended "... unknown-call rate with the", _unsupervised_stop's "... measured where the", scale_map's
"... (``benchmarks/scale.py``'s")."""

from __future__ import annotations

import logging
import re
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if "ArgumentParser(" in p.read_text())
#: where each script writes by default, as its --help must name it (whitespace-normalised)
WHERE = {
    "_calib_shift": ["/tmp/calib_shift.jsonl"],
    "_embed_variants": ["/tmp/variants.jsonl"],
    "_label_ceiling": ["results/label_ceiling.md"],
    "metrics_scale": ["benchmarks/results/scale_metrics.json", "benchmarks/results/scale_metrics.md", "--work",
                      "/tmp/jae_metrics_scale"],
    "metrics_speed": ["results/metrics_speed.md", ".json beside it"],
    "predict": ["predict.json and predict.md", "benchmarks/results"],
    "quality": ["benchmarks/results/<STEM>.md, .json and .csv", "benchmarks/results/tuning_runs.jsonl"],
    "quality_variants": ["benchmarks/results/quality_variants_<tag>.csv"],
    "scale": ["/tmp/jae_scale", "<RESULTS>_cli.json", "results/scale"],
    "scale_map": ["/tmp/jae_scale_map", "results/scale_map.json"],
    "scale_matmul": ["results/scale_matmul.md"],
    "svd_subsample": ["<RESULTS>.json and <RESULTS>.md", "results/scale_svd_subsample"],
    "vote_speed": ["benchmarks/results/scale_vote.json", "benchmarks/results/scale_vote.md",
                   "benchmarks/results/scale.md"],
}
ONLY_PRINTS = {"_cc_axes", "_recalibration", "gpu_step", "gpu_graph_step"}


def _help(monkeypatch, capsys, script: Path) -> str:
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps to the terminal's width: the same width on every machine
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    monkeypatch.syspath_prepend(str(BENCH))
    root = list(logging.root.handlers)
    try:
        with pytest.raises(SystemExit) as stop:
            runpy.run_path(str(script), run_name="__main__")
    finally:
        logging.root.handlers[:] = root
    out, err = capsys.readouterr()
    assert stop.value.code == 0 and "Traceback" not in out + err, err
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_help_is_whole_and_says_what_it_writes(monkeypatch, capsys, script):
    text = _help(monkeypatch, capsys, script)
    flat = " ".join(text.split())
    description = text.split("\n\n")[1] if "\n\n" in text else ""
    assert not description.startswith(("options:", "positional arguments:")), "no description"
    assert " ".join(description.split()).endswith((".", "?", ")")), f"description cut short: {description!r}"
    assert re.search(r"\b(writ|print|append|record)", flat), "the help says nothing of what the script writes"
    for where in WHERE.get(script.stem, []):
        assert where in flat, f"--help does not name {where}"
    # a default inside the clone is shown relative to its root: an absolute one differs between clones, and argparse
    # broke CI's longer one mid-name ("res ults/scale_svd_subsample", session 42)
    assert str(BENCH.parent) not in "".join(text.split()), "--help shows a path inside the clone as an absolute one"
    if script.stem in ONLY_PRINTS:
        assert "writes no file" in flat
