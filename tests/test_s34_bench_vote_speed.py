"""benchmarks/vote_speed.py: a recorded size's row in scale_vote.json is replaced only on request."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import vote_speed  # noqa: E402


def test_a_recorded_size_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    recorded = tmp_path / "scale_vote.json"
    recorded.write_text(json.dumps({"300x40x5": {"recorded": True}}))
    monkeypatch.setattr(vote_speed, "JSON", recorded)
    monkeypatch.setattr(vote_speed, "write_section", lambda lines: None)
    monkeypatch.setattr(vote_speed, "render", lambda runs: [])
    argv = ["--sizes", "300", "--voters", "40", "--dims", "5"]
    with pytest.raises(SystemExit) as exc:  # was: the run replaced the recorded row
        vote_speed.main(argv)
    assert exc.value.code == 2 and "already holds the run 300x40x5; pass --overwrite" in capsys.readouterr().err
    assert json.loads(recorded.read_text()) == {"300x40x5": {"recorded": True}}
    assert vote_speed.main([*argv, "--no-write"]) == 0
    assert vote_speed.main([*argv, "--overwrite"]) == 0
    assert json.loads(recorded.read_text())["300x40x5"]["exact_on_1000"] is True


def test_a_failed_write_leaves_the_recorded_files_whole(monkeypatch, tmp_path):
    recorded, scale = tmp_path / "scale_vote.json", tmp_path / "scale.md"
    recorded.write_text("recorded\n")
    scale.write_text("# Scale\n\n## Label-transfer vote\n\nrecorded rows\n")
    (tmp_path / "scale_vote.md").write_text("recorded md\n")
    monkeypatch.setattr(vote_speed, "JSON", recorded)
    monkeypatch.setattr(vote_speed, "SCALE_MD", scale)
    monkeypatch.setattr(vote_speed, "RESULTS", tmp_path)

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vote_speed.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):  # was: scale_vote.md rewritten in place
        vote_speed.write_section(["## Label-transfer vote", "", "new rows"])
    assert (tmp_path / "scale_vote.md").read_text() == "recorded md\n"
    assert scale.read_text() == "# Scale\n\n## Label-transfer vote\n\nrecorded rows\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scale.md", "scale_vote.json", "scale_vote.md"]


def test_sizes_below_one_stop_at_argparse(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(vote_speed, "JSON", tmp_path / "scale_vote.json")
    monkeypatch.setattr(vote_speed, "timed", lambda *a, **k: pytest.fail("the timing started"))
    for flag, argv in (("--sizes", ["--sizes", "1000", "0"]), ("--voters", ["--sizes", "10", "--voters", "0"]),
                       ("--dims", ["--sizes", "10", "--dims", "0"])):
        with pytest.raises(SystemExit) as exc:  # was: timings, then a numpy traceback
            vote_speed.main([*argv, "--no-write"])
        assert exc.value.code == 2 and f"{flag} must be positive whole numbers" in capsys.readouterr().err
