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


def _fake_run(monkeypatch, d):
    def timed(name, argv, log, **kwargs):
        log.write_text("ran\n")
        return {"stage": name}

    monkeypatch.setattr(scale_map, "timed", timed)
    monkeypatch.setattr(scale_map, "query_batches", lambda mod1, out: out.write_text("ann"))
    monkeypatch.setattr(scale_map.subprocess, "run", lambda *a, **k: type("R", (), {"stdout": "up"})())
    d.mkdir()
    for name in ("ref_cite_100.mod1.h5ad", "ref_cite_100.mod2.h5ad", "query_cite_200.mod1.h5ad",
                 "query_cite_200.mod2.h5ad", "query_embedding_old.h5ad"):
        (d / name).write_text("data")
    (d / "ref_model").mkdir()
    (d / "ref_model" / "model.json").write_text("{}")


def test_delete_data_removes_only_what_the_script_wrote(monkeypatch, tmp_path):
    d = tmp_path / "d"
    _fake_run(monkeypatch, d)
    (d / "notes.txt").write_text("mine")  # was: removed with the whole --data-dir
    (d / "fitness.log").write_text("mine")
    argv = ["--stages", "fit", "embed", "--ref-cells", "100", "--query-cells", "200", "--data-dir", str(d),
            "--results", str(tmp_path / "r.json"), "--label", "x", "--delete-data"]
    assert scale_map.main(argv) == 0
    assert sorted(p.name for p in d.iterdir()) == ["fitness.log", "notes.txt"]
    assert json.loads((tmp_path / "r.json").read_text())["x"]["stages"][0] == {"stage": "fit"}
    (d / "notes.txt").unlink()
    (d / "fitness.log").unlink()
    d.rmdir()
    _fake_run(monkeypatch, d)
    assert scale_map.main([*argv[:-2], "y", "--delete-data"]) == 0
    assert not d.exists()  # nothing of the user's there: the folder goes too


def test_a_failed_write_leaves_the_recorded_runs_whole(monkeypatch, tmp_path):
    d, results = tmp_path / "d", tmp_path / "r.json"
    _fake_run(monkeypatch, d)
    results.write_text('{"before": {"stages": []}}\n')

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scale_map.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):  # was: scale_map.json rewritten in place
        scale_map.main(["--stages", "fit", "--ref-cells", "100", "--query-cells", "200", "--data-dir", str(d),
                        "--results", str(results), "--label", "x"])
    assert results.read_text() == '{"before": {"stages": []}}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "r.json"]


def test_a_failed_verb_is_one_line_with_its_error_not_a_traceback(capsys, monkeypatch, tmp_path):
    d = tmp_path / "d"
    _fake_run(monkeypatch, d)
    monkeypatch.undo()
    monkeypatch.setattr(scale_map, "query_batches", lambda mod1, out: out.write_text("ann"))
    fake_log = ("jae map: error: --model d/ref_model: no fitted model there; run jae fit first\n"
                "\tCommand being timed: \"python -m jae.cli map\"\n\tExit status: 2\n")

    def call(cmd, stdout, **kwargs):
        stdout.write(fake_log)
        return 2

    monkeypatch.setattr(scale_map.subprocess, "call", call)
    argv = ["--stages", "map", "--ref-cells", "100", "--query-cells", "200", "--data-dir", str(d),
            "--results", str(tmp_path / "r.json"), "--label", "x"]
    assert scale_map.main(argv) == 1  # was: a RuntimeError traceback, the reason only in the log
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("scale_map.py: jae map ")
    assert "failed with exit status 2: jae map: error: --model" in err[-1]
    assert not (tmp_path / "r.json").exists()


def test_counts_below_one_stop_at_argparse(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(scale_map, "simulate", lambda *a, **k: pytest.fail("data were simulated"))
    for flag in ("--ref-cells", "--query-cells", "--predict-train-cells", "--threads", "--max-epochs", "--map-epochs"):
        with pytest.raises(SystemExit) as exc:  # was: the run started (simulate --n-cells 0 failed minutes in)
            scale_map.main([flag, "0", "--data-dir", str(tmp_path / "d"), "--results", str(tmp_path / "r.json")])
        assert exc.value.code == 2 and f"{flag} must be a positive whole number, not 0" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
