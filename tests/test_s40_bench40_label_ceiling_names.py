"""benchmarks/_label_ceiling.py took the simulated shapes and seeded subsamples (reapseq_800, sim_cite_small, ...) but
refused a mistyped name listing only the five shared sets, so a mistyped reapseq_800 was pointed at a list without
it. The line now lists every name the script takes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _label_ceiling  # noqa: E402
from _quality_data import SETS, SIMULATED, SUBSAMPLED  # noqa: E402


def test_a_mistyped_set_lists_every_name_the_script_takes(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        _label_ceiling.main(["--sets", "reapseq800", "--out", str(tmp_path / "c.md")])
    assert stop.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--sets reapseq800 is no set" in line
    for name in (*SETS, *SIMULATED, *SUBSAMPLED):
        assert name in line
