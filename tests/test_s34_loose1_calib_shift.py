"""Session 34 (loose1): benchmarks/_calib_shift.py adds to an earlier --out only on request, and never half a row."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _calib_shift  # noqa: E402



def test_an_earlier_out_is_added_to_or_replaced_only_on_request(capsys, monkeypatch, tmp_path):
    out = tmp_path / "calib.jsonl"
    out.write_text('{"set": "old"}\n')
    monkeypatch.setattr(_calib_shift, "run", lambda name, seed, config: [{"set": name, "seed": seed}])
    argv = ["--sets", "sim_multiome", "--seeds", "0", "1", "--out", str(out)]
    with pytest.raises(SystemExit) as exc:  # was: this run's rows appended to the earlier run's, without a word
        _calib_shift.main(argv)
    assert exc.value.code == 2 and "exists; pass --append" in capsys.readouterr().err
    assert _calib_shift.main([*argv, "--append"]) == 0
    assert [json.loads(r) for r in out.read_text().splitlines()] == [
        {"set": "old"}, {"set": "sim_multiome", "seed": 0}, {"set": "sim_multiome", "seed": 1}]
    assert _calib_shift.main([*argv, "--overwrite"]) == 0
    assert [json.loads(r)["seed"] for r in out.read_text().splitlines()] == [0, 1]


def test_a_failed_write_leaves_the_earlier_rows_whole(monkeypatch, tmp_path):
    out = tmp_path / "calib.jsonl"
    out.write_text('{"set": "old"}\n')

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)  # what benchmarks/_results.write_text moves with
    with pytest.raises(OSError, match="No space"):
        _calib_shift.append_rows(out, [{"set": "a"}])
    assert out.read_text() == '{"set": "old"}\n' and [p.name for p in tmp_path.iterdir()] == ["calib.jsonl"]
