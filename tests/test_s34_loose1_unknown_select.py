"""Session 34 (loose1): benchmarks/_unknown_select.py keeps a recorded --out unless asked, and writes it whole."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _unknown_select  # noqa: E402


class _Reached(Exception):
    pass


def test_an_existing_out_is_refused_before_any_fit(capsys, monkeypatch, tmp_path):
    out = tmp_path / "unknown_selection.md"
    out.write_text("recorded\n")
    monkeypatch.setattr(_unknown_select, "run", lambda *a, **k: (_ for _ in ()).throw(_Reached()))
    argv = ["--sets", "sim_cite_small", "--seeds", "0", "--out", str(out)]
    with pytest.raises(SystemExit) as exc:  # was: the run went ahead (hours) and replaced the report
        _unknown_select.main(argv)
    assert exc.value.code == 2 and f"{out} exists; pass --overwrite" in capsys.readouterr().err
    assert out.read_text() == "recorded\n"
    with pytest.raises(_Reached):
        _unknown_select.main([*argv, "--overwrite"])


def _full_disk(src, dst):
    raise OSError(28, "No space left on device")


def test_a_failed_write_leaves_the_report_and_the_saved_rows_whole(monkeypatch, tmp_path):
    import pandas as pd

    out, csv = tmp_path / "report.md", tmp_path / "rows.csv"
    out.write_text("recorded\n")
    pd.DataFrame({"set": ["a"], "seed": [0]}).to_csv(csv, index=False)
    recorded_rows = csv.read_text()
    monkeypatch.setattr(_unknown_select, "report", lambda df: "new report\n")
    monkeypatch.setattr(_unknown_select, "run", lambda *a, **k: [{"set": "b", "seed": 1}])
    monkeypatch.setattr(os, "replace", _full_disk)  # what benchmarks/_results.write_text moves with
    with pytest.raises(OSError, match="No space"):  # was: the report rewritten in place
        _unknown_select.main(["--report", str(csv), "--out", str(out)])
    with pytest.raises(OSError, match="No space"):  # was: the saved rows rewritten in place (resumable runs)
        _unknown_select.main(["--sets", "sim_cite_small", "--seeds", "1", "--csv", str(csv)])
    assert out.read_text() == "recorded\n" and csv.read_text() == recorded_rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "rows.csv"]
    monkeypatch.undo()
    monkeypatch.setattr(_unknown_select, "run", lambda *a, **k: [{"set": "b", "seed": 1}])
    monkeypatch.setattr(_unknown_select, "report", lambda df: "new report\n")
    assert _unknown_select.main(["--sets", "sim_cite_small", "--seeds", "1", "--csv", str(csv)]) == 0
    assert pd.read_csv(csv).to_dict("list") == {"set": ["a", "b"], "seed": [0, 1]}


def test_sets_data_and_folders_are_checked_before_any_fit(capsys, monkeypatch, tmp_path):
    import _calib_shift

    for module in (_unknown_select, _calib_shift):
        monkeypatch.setattr(module, "run", lambda *a, **k: pytest.fail("a set was fitted"))
        for argv, told in ((["--sets", "sim_multiome", "bmcc_cite"], "--sets bmcc_cite is no set; sets: bmmc_cite"),
                           (["--sets", "sim_multiome", "--out", str(tmp_path / "no" / "out.md")], "folder")):
            with pytest.raises(SystemExit) as exc:  # was: the sets before it fitted, then a KeyError traceback
                module.main(argv)
            assert exc.value.code == 2 and told in capsys.readouterr().err
    monkeypatch.setenv("JAE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(SystemExit):
        _unknown_select.main(["--sets", "sim_multiome", "reapseq_pbmc"])
    assert "nowhere" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # was: a pandas FileNotFoundError traceback
        _unknown_select.main(["--report", str(tmp_path / "rows.csv")])
    assert f"--report {tmp_path / 'rows.csv'} does not exist" in capsys.readouterr().err
