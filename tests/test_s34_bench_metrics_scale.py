"""benchmarks/metrics_scale.py: a recorded run in scale_metrics.json is replaced only on request, checked first."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import metrics_scale  # noqa: E402


def test_a_recorded_run_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    recorded = tmp_path / "scale_metrics.json"
    recorded.write_text(json.dumps({"evaluate 300000": {"recorded": True}}))
    monkeypatch.setattr(metrics_scale, "JSON", recorded)
    ran = []
    monkeypatch.setattr(metrics_scale, "evaluate", lambda args: ran.append(args.n_cells) or {"n_cells": args.n_cells})
    monkeypatch.setattr(metrics_scale, "_save", lambda runs, scale_md=False: recorded.write_text(json.dumps(runs)))
    argv = ["evaluate", "--n-cells", "300000", "--threads", "2", "--no-report"]  # scale_metrics.md's command
    with pytest.raises(SystemExit) as exc:  # was: the run went ahead (tens of minutes) and replaced the row
        metrics_scale.main(argv)
    assert exc.value.code == 2 and "already holds the run 'evaluate 300000'; pass --overwrite" in capsys.readouterr().err
    assert not ran and json.loads(recorded.read_text()) == {"evaluate 300000": {"recorded": True}}
    assert metrics_scale.main([*argv, "--overwrite"]) == 0
    assert ran == [300000] and json.loads(recorded.read_text()) == {"evaluate 300000": {"n_cells": 300000}}


def _recorded(monkeypatch, tmp_path, scale_text="# Scale\n"):
    paths = {name: tmp_path / f"{name.lower()}.md" for name in ("JSON", "MD", "SCALE_MD")}
    for name, path in paths.items():
        path.write_text(scale_text if name == "SCALE_MD" else f"recorded {name}\n")
        monkeypatch.setattr(metrics_scale, name, path)
    return paths


def test_a_failed_write_leaves_the_recorded_files_whole(monkeypatch, tmp_path):
    paths = _recorded(monkeypatch, tmp_path)

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics_scale.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):  # was: scale_metrics.json rewritten in place
        metrics_scale._save({}, scale_md=True)
    assert paths["JSON"].read_text() == "recorded JSON\n" and paths["MD"].read_text() == "recorded MD\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())  # no temporary left


def test_scale_md_keeps_the_sections_after_metrics_at_scale(monkeypatch, tmp_path):
    text = "# Scale\n\n## CLI path\n\nrows\n\n## Metrics at scale\n\nold figures\n\n## Later section\n\nkept\n"
    paths = _recorded(monkeypatch, tmp_path, text)
    metrics_scale._save({}, scale_md=True)
    new = paths["SCALE_MD"].read_text()
    section = "\n".join(metrics_scale.render({}))
    assert new == "# Scale\n\n## CLI path\n\nrows\n\n" + section + "\n\n## Later section\n\nkept\n"  # was: cut here
    paths["SCALE_MD"].write_text("# Scale\n\n## Metrics at scale\n\nold figures\n")  # the last section: as before
    metrics_scale._save({}, scale_md=True)
    assert paths["SCALE_MD"].read_text() == "# Scale\n\n" + section + "\n"


def test_a_recorded_ccsample_run_is_refused_before_it_runs(capsys, monkeypatch, tmp_path):
    import anndata as ad
    import numpy as np
    import pandas as pd

    mod1 = tmp_path / "sim.mod1.h5ad"
    obs = pd.DataFrame({"batch": pd.Categorical(["s1", "s1", "s2", "s1"])}, index=[f"c{i}" for i in range(4)])
    ad.AnnData(np.ones((4, 2), np.float32), obs=obs).write_h5ad(mod1)
    recorded = tmp_path / "scale_metrics.json"
    recorded.write_text(json.dumps({"ccsample 3": {"recorded": True}}))
    monkeypatch.setattr(metrics_scale, "JSON", recorded)
    ran = []
    monkeypatch.setattr(metrics_scale, "ccsample", lambda args: ran.append(1) or {"n_cells": 3})
    monkeypatch.setattr(metrics_scale, "_save", lambda runs, scale_md=False: recorded.write_text(json.dumps(runs)))
    with pytest.raises(SystemExit):  # was: the run went ahead and then replaced the recorded 'ccsample 3'
        metrics_scale.main(["ccsample", "--mod1", str(mod1)])
    assert "already holds the run 'ccsample 3'; pass --overwrite" in capsys.readouterr().err and not ran
    with pytest.raises(SystemExit):  # was: a TypeError traceback from h5py
        metrics_scale.main(["ccsample"])
    assert "ccsample needs --mod1" in capsys.readouterr().err
    assert metrics_scale.main(["ccsample", "--mod1", str(mod1), "--overwrite"]) == 0 and ran == [1]


def test_counts_below_one_stop_at_argparse(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(metrics_scale, "JSON", tmp_path / "scale_metrics.json")
    for what in ("compare", "suite", "evaluate"):
        monkeypatch.setattr(metrics_scale, what, lambda args: pytest.fail("the run started"))
    for flag in ("--n-cells", "--threads"):
        for what in ("compare", "suite", "evaluate"):
            with pytest.raises(SystemExit) as exc:  # was: the run started with 0 cells / threads
                metrics_scale.main([what, flag, "0"])
            assert exc.value.code == 2 and f"{flag} must be a positive whole number, not 0" in capsys.readouterr().err
