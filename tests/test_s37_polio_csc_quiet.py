"""Session 37 (polio): small matrices stored CSC are read whole without an INFO line.

The competition's starter files store their counts CSC, so every jae embed/map/evaluate on them logged two or three
INFO lines advising conversion to CSR for matrices of 1-2 MB, where reading them whole costs nothing. Below
jae.io.paired_files.CSC_INFO_BYTES (50 MB) the line is DEBUG; INFO from it on, a warning from CSC_WARN_BYTES on.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import jae.io.paired_files as pf
from jae.io import open_competition

STARTER = Path(__file__).resolve().parents[1] / "../shared/data/neurips2021_starter/joint_embedding/multiome"


def _starter():
    found = sorted(STARTER.glob("*.mod1.h5ad")) if STARTER.is_dir() else []
    if not found:
        pytest.skip("the shared starter files are not here")
    mod1 = found[0]
    return mod1, Path(str(mod1).replace(".mod1.", ".mod2."))


def _levels(caplog):
    return [r.levelno for r in caplog.records if "stored CSC" in r.getMessage()]


def test_the_starter_files_stored_csc_draw_no_info_line(caplog):
    opened = open_competition(*_starter())
    assert all(c.encoding == "csc_matrix" and c.nbytes < 50_000_000 for c in opened.counts)
    with caplog.at_level(logging.DEBUG, logger="jae"):
        opened.sources()
    assert _levels(caplog) == [logging.DEBUG, logging.DEBUG]  # still said, for whoever looks


def test_the_levels_by_size(caplog, monkeypatch):
    assert pf.CSC_INFO_BYTES == 50_000_000 < pf.CSC_WARN_BYTES
    assert pf.read_whole_level(49_999_999) == logging.DEBUG
    assert pf.read_whole_level(50_000_000) == logging.INFO
    assert pf.read_whole_level(250_000_000) == logging.WARNING
    opened = open_competition(*_starter())
    monkeypatch.setattr(pf, "CSC_INFO_BYTES", 1)  # as a matrix of 50 MB or more would
    with caplog.at_level(logging.DEBUG, logger="jae"):
        opened.sources()
    assert _levels(caplog) == [logging.INFO, logging.INFO]


def test_the_plan_line_says_which_counts_are_read_whole(caplog):
    """jae embed/map on CSC files said 'reading ... once, in row blocks' while the counts were read whole (that line,
    now DEBUG for small matrices, was the only one saying so): the plan's line now names them (DEBUG itself since
    session 37)."""
    from jae.io.plan import plan_input

    opened = open_competition(*_starter())
    with caplog.at_level(logging.DEBUG, logger="jae"):  # that plan line is DEBUG itself now (s37 wfsplit)
        assert plan_input(opened, what="embed", once=True) is opened
    said = [r.getMessage() for r in caplog.records if "streaming path" in r.getMessage()]
    assert len(said) == 1 and "once, in row blocks, but the counts of rna and atac, stored CSC, whole (" in said[0]
