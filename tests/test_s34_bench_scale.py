"""benchmarks/scale.py: a recorded run's figures are replaced only on request; a failed verb ends in one line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import scale  # noqa: E402


class _Reached(Exception):
    pass


def _recorded(tmp_path) -> Path:
    results = tmp_path / "scale"
    (tmp_path / "scale_cli.json").write_text(json.dumps({"multiome 10,000": {
        "kind": "multiome", "n_cells": 10_000, "stages": [{"stage": "fit"}, {"stage": "embed"}],
        "preprocess_wall_s": 1.0, "pretrain_epochs": 1}}))
    return results


def test_a_recorded_label_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    results = _recorded(tmp_path)
    before = (tmp_path / "scale_cli.json").read_text()
    monkeypatch.setattr(scale, "run_size", lambda *a, **k: (_ for _ in ()).throw(_Reached()))
    monkeypatch.setattr(scale, "machine", dict)
    argv = ["--sizes", "10000", "--results", str(results), "--data-dir", str(tmp_path / "data")]
    with pytest.raises(SystemExit) as exc:  # was: the run went ahead and replaced the recorded row
        scale.main(argv)
    assert exc.value.code == 2
    assert "already holds the fit figures of the run 'multiome 10,000'; pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "scale_cli.json").read_text() == before and not (tmp_path / "data").exists()
    # gpu_check.sh's second call adds evaluate to the run its first call recorded (fit, embed)
    for more in (["--overwrite"], ["--label-suffix", " (again)"], ["--kind", "cite"], ["--stages", "evaluate"]):
        with pytest.raises(_Reached):
            scale.main([*argv, *more])


def test_a_failed_verb_ends_in_one_line_naming_its_reason(capsys, tmp_path):
    argv = ["--results", str(tmp_path / "scale"), "--data-dir", str(tmp_path / "data")]
    with pytest.raises(SystemExit) as exc:
        scale.main(["--sizes", "0", *argv])
    assert exc.value.code == 2 and "--sizes must be positive whole numbers, got 0" in capsys.readouterr().err
    # was: a RuntimeError traceback pointing at the log
    assert scale.main(["--sizes", "1", *argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scale.py: jae simulate ")
    assert "--n-cells 1: simulate at least 2 cells" in err[0] and "simulate.log" in err[0]
    assert not (tmp_path / "scale_cli.json").exists()


def test_a_write_cut_short_leaves_the_recorded_report_whole(monkeypatch, tmp_path):
    (tmp_path / "scale.md").write_text("# recorded\n")
    real = Path.write_text

    def cut_short(self, text, *a, **k):
        real(self, text[: len(text) // 2], *a, **k)
        raise OSError("No space left on device")

    monkeypatch.setattr(Path, "write_text", cut_short)
    with pytest.raises(OSError, match="No space"):  # was: scale.md (and scale_cli.json) left half-written
        scale.main(["--render-only", "--results", str(tmp_path / "scale")])
    monkeypatch.undo()
    assert (tmp_path / "scale.md").read_text() == "# recorded\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scale.md"]
