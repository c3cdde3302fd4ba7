"""Session 34 (loose1): benchmarks/_unknown_select.py keeps a recorded --out unless asked, and writes it whole."""

from __future__ import annotations

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
    argv = ["--sets", "reapseq_pbmc", "--seeds", "0", "--out", str(out)]
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
    monkeypatch.setattr(_unknown_select.os, "replace", _full_disk)
    with pytest.raises(OSError, match="No space"):  # was: the report rewritten in place
        _unknown_select.main(["--report", str(csv), "--out", str(out)])
    with pytest.raises(OSError, match="No space"):  # was: the saved rows rewritten in place (resumable runs)
        _unknown_select.main(["--sets", "b", "--seeds", "1", "--csv", str(csv)])
    assert out.read_text() == "recorded\n" and csv.read_text() == recorded_rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "rows.csv"]
    monkeypatch.undo()
    monkeypatch.setattr(_unknown_select, "run", lambda *a, **k: [{"set": "b", "seed": 1}])
    monkeypatch.setattr(_unknown_select, "report", lambda df: "new report\n")
    assert _unknown_select.main(["--sets", "b", "--seeds", "1", "--csv", str(csv)]) == 0
    assert pd.read_csv(csv).to_dict("list") == {"set": ["a", "b"], "seed": [0, 1]}
