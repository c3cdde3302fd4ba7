"""benchmarks/predict.py's command line: bad arguments, missing data and earlier results stop with one line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import predict  # noqa: E402



def _refused(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        predict.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.fixture
def no_runs(monkeypatch):
    monkeypatch.setattr(predict, "benchmark", lambda *a, **k: pytest.fail("the benchmark ran"))
    monkeypatch.setattr(predict, "tune", lambda *a, **k: pytest.fail("the tuning ran"))


def test_missing_data_and_render_input_stop_with_one_line(capsys, no_runs, tmp_path):
    line = _refused(capsys, ["--data-dir", str(tmp_path / "absent"), "--out", str(tmp_path / "out")])
    assert "openproblems_bmmc_cite_starter.train_mod1.h5ad does not exist; point --data-dir" in line
    assert "--render: no " in _refused(capsys, ["--render", "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_earlier_results_are_replaced_only_with_overwrite(capsys, no_runs, monkeypatch, tmp_path):
    monkeypatch.setattr(predict, "load_tasks", lambda data: pytest.fail("the data were read"))
    (tmp_path / "predict.md").write_text("recorded")
    assert "predict.md exists; pass --overwrite" in _refused(capsys, ["--out", str(tmp_path)])
    (tmp_path / "predict_tune.json").write_text("{}")
    assert "predict_tune.json exists" in _refused(capsys, ["--tune", "--out", str(tmp_path)])
    assert (tmp_path / "predict.md").read_text() == "recorded"


def test_tasks_matching_nothing_write_nothing(capsys, no_runs, monkeypatch, tmp_path):
    monkeypatch.setattr(predict, "load_tasks", lambda data: [predict.Task("pbmc10k_GEX2ADT", *[None] * 4)])
    monkeypatch.setattr(predict, "data_files", lambda data: [], raising=False)
    out = tmp_path / "out"
    # was: an empty predict.json / predict.md replaced the recorded ones
    line = _refused(capsys, ["--tasks", "pbmc10", "--tasks", "bmcc", "--out", str(out)])
    assert "--tasks bmcc matches no task; tasks: pbmc10k_GEX2ADT" in line and not out.exists()


def test_a_run_killed_after_a_task_leaves_the_recorded_results_whole(monkeypatch, tmp_path):
    (tmp_path / "predict.json").write_text('{"meta": {}, "records": ["recorded"]}')
    (tmp_path / "predict_tune.json").write_text('{"records": ["recorded"]}')
    tasks = [predict.Task(f"t{i}", *[None] * 4) for i in range(2)]
    calls = []

    def target(task):
        calls.append(task.name)
        if task.name == "t1":
            raise KeyboardInterrupt  # the run is killed during the second task
        return None

    monkeypatch.setattr(predict, "test_target", target)
    monkeypatch.setattr(predict, "validation_task", lambda task, seed: target(task) or task)
    monkeypatch.setattr(predict, "run_one", lambda task, method, seed, config, truth: {
        "task": task.name, "method": method, "seed": seed, "rmse": 1.0, "mae": 1.0, "pearson": 0.0, "fit_s": 0.0})
    with pytest.raises(KeyboardInterrupt):  # was: predict.json replaced by the first task's records, without meta
        predict.benchmark(tasks, tmp_path, seeds=(0,), methods=("mean",))
    with pytest.raises(KeyboardInterrupt):  # was: predict_tune.json replaced by the first task's records
        predict.tune(tasks, tmp_path)
    assert calls[:2] == ["t0", "t1"] and calls[-1] == "t1"
    assert (tmp_path / "predict.json").read_text() == '{"meta": {}, "records": ["recorded"]}'
    assert (tmp_path / "predict_tune.json").read_text() == '{"records": ["recorded"]}'
    assert '"t0"' in (tmp_path / "predict.partial.json").read_text()  # what it finished is kept aside


def test_the_report_names_the_command_that_ran(monkeypatch, tmp_path):
    ran = {}
    monkeypatch.setattr(predict, "data_files", lambda data_dir: [])
    monkeypatch.setattr(predict, "load_tasks", lambda data_dir: [predict.Task("pbmc10k_GEX2ADT", *[None] * 4)])
    monkeypatch.setattr(predict, "benchmark", lambda tasks, out, **kw: ran.update(kw))
    monkeypatch.setattr(predict, "tune", lambda tasks, out, **kw: ran.update(tune=kw))
    predict.main(["--tasks", "pbmc", "--seeds", "3", "--out", str(tmp_path), "--overwrite"])
    assert ran["command"] == f"python benchmarks/predict.py --tasks pbmc --seeds 3 --out {tmp_path}"
    predict.main(["--tune", "--out", str(tmp_path)])
    assert ran["tune"] == {"command": f"python benchmarks/predict.py --tune --out {tmp_path}"}
    meta = {"command": "python benchmarks/predict.py --tasks pbmc", "seeds": [3], "methods": ["mean"], "wall_s": 6.0,
            "tasks": {"t": {"note": "n", "source_shift": 0.1, "train_cells": 9, "test_cells": 4}}}
    records = [{"task": "t", "method": "mean", "seed": 3, "rmse": 1.0, "mae": 1.0, "pearson": 0.5}]
    assert "`python benchmarks/predict.py --tasks pbmc` — seeds 3" in predict.render(records, meta, [])
