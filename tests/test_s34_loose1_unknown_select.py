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
