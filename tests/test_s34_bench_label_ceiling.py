"""benchmarks/_label_ceiling.py: its recorded table is replaced only on request; a mistyped set stops first."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _label_ceiling  # noqa: E402


def _refused(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        _label_ceiling.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_the_recorded_table_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(_label_ceiling, "load_set", lambda name: pytest.fail("a set was read"))
    # was: results/label_ceiling.md replaced by a one-set, one-seed table
    assert "label_ceiling.md exists; pass --overwrite" in _refused(capsys, ["--sets", "bmmc_cite", "--seeds", "0"])
    out = tmp_path / "ceiling.md"
    # was: a KeyError traceback after the sets before it had run
    assert "--sets bmcc is no set" in _refused(capsys, ["--sets", "bmmc_cite", "bmcc", "--out", str(out)])
    monkeypatch.setattr(_label_ceiling, "load_set", lambda name: name)
    monkeypatch.setattr(_label_ceiling, "ceiling_row", lambda qset, seed: dict(
        reference=1, query=2, vote=0.5, linear=0.5, cv_linear=0.5, cv_vote=0.5))
    out.write_text("earlier")
    assert "--overwrite" in _refused(capsys, ["--sets", "sim_multiome", "--seeds", "0", "--out", str(out)])
    assert _label_ceiling.main(["--sets", "sim_multiome", "--seeds", "0", "--out", str(out), "--overwrite"]) == 0
    assert "| sim_multiome | 0 | 1 | 2 | 0.500 |" in out.read_text()
