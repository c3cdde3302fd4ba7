"""benchmarks/mapping_cap.py: with --validation, --max-epochs and --seed were ignored without a word (a quick
'--validation ... --max-epochs 2' check fitted with the config's 500-epoch default), and a mistyped set in --set or
--validation ended in a KeyError traceback (in --validation after the sets before it were run). Each is now one
argparse line before any fit; valid runs keep their settings."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import mapping_cap  # noqa: E402


class _Stop(Exception):
    pass


@pytest.fixture
def fits(monkeypatch):
    """What main() would fit (it stops there instead); the logging it configures is put back afterwards."""
    calls = []

    def record(*args):
        calls.append(args)
        raise _Stop

    monkeypatch.setattr(mapping_cap, "validation", record)
    monkeypatch.setattr(mapping_cap, "simulated", record)
    monkeypatch.setattr(mapping_cap, "shared", record)
    root = list(logging.root.handlers)
    yield calls
    logging.root.handlers[:] = root


@pytest.mark.parametrize("argv, words", [
    (["--validation", "sim_cite_small", "--max-epochs", "2"], "--max-epochs does not apply to --validation"),
    (["--validation", "sim_cite_small", "--seed", "3"], "--seed does not apply to --validation"),
    (["--validation", "sim_cite_small", "reapseq800"], "reapseq800 is no set"),
    (["--set", "reapseq800"], "reapseq800 is no set"),
])
def test_bad_arguments_stop_with_one_line_before_any_fit(capsys, fits, argv, words):
    with pytest.raises(SystemExit) as stop:
        mapping_cap.main(argv)
    assert stop.value.code == 2
    assert words in capsys.readouterr().err
    assert fits == []


@pytest.mark.parametrize("argv, first", [
    (["--validation", "sim_cite_small", "--seeds", "4"], ("sim_cite_small", 4)),
    (["--set", "sim", "--batch-cells", "30", "--ref-cells", "20"], (30, 20, 0)),
    (["--set", "sim", "--batch-cells", "30", "--ref-cells", "20", "--seed", "2"], (30, 20, 2)),
    (["--set", "sim_cite_small"], ("sim_cite_small", 0)),
])
def test_valid_runs_reach_their_fits_with_their_settings(fits, argv, first):
    with pytest.raises(_Stop):
        mapping_cap.main(argv)
    assert fits == [first]
