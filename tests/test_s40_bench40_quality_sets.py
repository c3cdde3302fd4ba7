"""benchmarks/quality.py --sets: an entry that matched no set was dropped without a word when another entry matched
(``--sets reapseq_800 snare1300`` ran REAP-seq alone and wrote its results as if the run were complete). Every entry
must now match a set, refused in one line before anything is read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import quality  # noqa: E402


@pytest.fixture
def never_reads(monkeypatch):
    monkeypatch.setattr(quality, "load_set", lambda *a, **k: pytest.fail("a set was read"))


@pytest.mark.parametrize("sets, bad", [(["reapseq_800", "snare1300"], "snare1300"), (["bmmc", "sim_cite"], "sim_cite")])
def test_an_entry_matching_no_set_is_refused_beside_one_that_matches(capsys, never_reads, sets, bad):
    with pytest.raises(SystemExit) as stop:
        quality.main(["--sets", *sets, "--stem", "s40_never_written"])
    assert stop.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"--sets {bad} matches no set" in line and "snare_1300" in line


def test_substrings_and_full_names_still_select_the_same_sets(monkeypatch):
    class Stop(Exception):
        pass

    seen = {}
    real = quality._checked

    def checked(p, args):
        seen["names"] = real(p, args)[0]
        raise Stop

    monkeypatch.setattr(quality, "_checked", checked)
    with pytest.raises(Stop):
        quality.main(["--sets", "pbmc10k", "snare", "reapseq_800", "--stem", "s40_never_written"])
    assert seen["names"] == ["snare_mouse_cortex", "pbmc10k_cite", "reapseq_800"]
