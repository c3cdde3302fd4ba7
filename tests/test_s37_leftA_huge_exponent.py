"""Session 37: a whole number written with a huge exponent ('--set max_epochs=1e10000000', or the CLI's whole-number
flags, which read values alike) was expanded digit by digit: minutes of CPU before any message. Numbers past 4300
digits (Python's own cap on int(text)) are now refused at once, as any other value that is no usable whole number."""

from __future__ import annotations

import time

import pytest

from jae import JAEConfig
from jae.cli import build_parser


def test_set_refuses_a_huge_exponent_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"'1e10000000' is not a valid int for max_epochs; write it as a whole number"):
        JAEConfig().with_overrides(["max_epochs=1e10000000"])
    assert time.perf_counter() - start < 2


def test_a_whole_number_flag_refuses_it_at_once(capsys):
    start = time.perf_counter()
    with pytest.raises(SystemExit):
        build_parser().parse_args(["fit", "--h5mu", "x.h5mu", "--out", "m", "--max-epochs", "1e10000000"])
    assert time.perf_counter() - start < 2
    assert "argument --max-epochs: expected a whole number (e.g. 500 or 1e3), not '1e10000000'" in capsys.readouterr().err


def test_large_whole_numbers_are_read_as_before():
    assert JAEConfig().with_overrides(["epoch_cells=1e5"]).epoch_cells == 100_000
    assert build_parser().parse_args(["simulate", "o.h5mu", "--n-cells", "1e6"]).n_cells == 1_000_000
