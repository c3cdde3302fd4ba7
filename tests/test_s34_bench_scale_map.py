"""benchmarks/scale_map.py: a recorded stage of a labelled run is replaced only on request, checked first."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import scale_map  # noqa: E402


def test_a_recorded_stage_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    results = tmp_path / "scale_map.json"
    results.write_text(json.dumps({"before": {"stages": [{"stage": "fit", "wall_s": 1.0}]}}))
    monkeypatch.setattr(scale_map, "simulate", lambda *a, **k: pytest.fail("data were simulated"))
    argv = ["--stages", "fit", "--label", "before", "--results", str(results), "--data-dir", str(tmp_path / "d")]
    with pytest.raises(SystemExit) as exc:  # was: the run went ahead and replaced the recorded fit
        scale_map.main(argv)
    assert exc.value.code == 2
    assert "already holds stage fit of the run 'before'; pass --overwrite" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()

    class Reached(Exception):
        pass

    monkeypatch.setattr(scale_map, "simulate", lambda *a, **k: (_ for _ in ()).throw(Reached()))
    for more in (["--overwrite"], ["--label", "again"]):
        with pytest.raises(Reached):
            scale_map.main([*argv, *more])
    with pytest.raises(Reached):  # another stage of the same run is added without --overwrite
        scale_map.main(["--stages", "predict", "--label", "before", "--results", str(results),
                        "--data-dir", str(tmp_path / "d")])
