"""What --memory-budget bounds, said truthfully (session 35): it chooses between reading the inputs whole and
streaming them; the streaming path's own memory, which the log line estimates, is not capped by it."""

from __future__ import annotations

import logging

from jae.cli import build_parser
from jae.datasets.write import write_simulated
from jae.io import open_competition
from jae.io.chunked import format_bytes
from jae.io.plan import plan_input


def test_streaming_log_line_says_the_budget_does_not_cap_it(tmp_path, caplog):
    mod1, mod2 = write_simulated(tmp_path / "sim", n_cells=300, kind="multiome", preset=None, seed=0,
                                 progress_bar=False, n_genes=200, n_peaks=400)[:2]
    files = open_competition(mod1, mod2)
    with caplog.at_level(logging.INFO, logger="jae.io"):
        assert plan_input(files, memory_budget="1K") is files  # streamed
    line = next(r.getMessage() for r in caplog.records if "streaming path" in r.getMessage())
    assert "does not cap it" in line
    # the streaming total (process included) is in the line, not only the data's part of it
    assert f"about {format_bytes(files.memory_needed(in_memory=False), up=True)} with the process" in line


def test_memory_budget_help_says_it_caps_neither_paths_memory():
    fit = build_parser()._subparsers._group_actions[0].choices["fit"]
    text = next(a.help for a in fit._actions if "--memory-budget" in a.option_strings)
    assert "caps the memory of neither" in text and "20,000 cells" in text
