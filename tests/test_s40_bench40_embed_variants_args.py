"""benchmarks/_embed_variants.py: without --sets it ended in a TypeError traceback; a mistyped --settings name
(``pretrain``) was run as the online setting and recorded under that name; a mistyped set stopped with a KeyError
after the sets before it were fitted. Each is now one argparse line before the first fit."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _embed_variants  # noqa: E402


@pytest.fixture
def runs(monkeypatch):
    """The runs main() starts (none is run); main()'s process-wide settings are put back afterwards."""
    calls = []
    monkeypatch.setattr(_embed_variants, "run", lambda *a, **k: calls.append(a))
    root, jae_log, threads = list(logging.root.handlers), logging.getLogger("jae").level, torch.get_num_threads()
    with warnings.catch_warnings():
        yield calls
    logging.root.handlers[:] = root
    logging.getLogger("jae").setLevel(jae_log)
    torch.set_num_threads(threads)


@pytest.mark.parametrize("argv, words", [
    ([], "required: --sets"),
    (["--sets", "sim_cite_small", "--settings", "pretrain"], "invalid choice: 'pretrain'"),
    (["--sets", "sim_cite_small", "reapseq800"], "reapseq800 is no set"),
    (["--sets", "sim_cite_small", "--out", "/nonexistent-folder/v.jsonl"], "folder /nonexistent-folder does not"),
])
def test_bad_arguments_stop_with_one_line_before_any_fit(capsys, monkeypatch, runs, argv, words):
    monkeypatch.setattr(sys, "argv", ["_embed_variants.py", *argv])
    with pytest.raises(SystemExit) as stop:
        _embed_variants.main()
    assert stop.value.code == 2
    assert words in capsys.readouterr().err
    assert runs == []


def test_good_arguments_reach_the_runs(monkeypatch, runs, tmp_path):
    out = tmp_path / "v.jsonl"
    monkeypatch.setattr(sys, "argv", ["_embed_variants.py", "--sets", "sim_cite_small", "--seeds", "3",
                                      "--settings", "online", "--out", str(out)])
    _embed_variants.main()
    assert runs == [("sim_cite_small", [3], str(out), ["online"])]
