"""``jae simulate OUT --n-cells 30 --kind cite`` was refused with '--n-cell-types 45 is more than --n-cells 30', naming
a flag the user never gave (the 45 cell types are the competition preset's, the default): session 48's walk. The
refusal now names the preset and the three ways out; sizes the caller gives keep their own message."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main
from jae.datasets import write_simulated


def test_python_names_the_preset_that_set_the_cell_types(tmp_path):
    with pytest.raises(ValueError) as err:
        write_simulated(tmp_path / "v", n_cells=30, kind="cite")
    assert str(err.value) == (
        "preset='competition' simulates 45 cell types for kind='cite', more than n_cells=30: some would have no "
        "cell; pass n_cells >= 45, or n_cell_types <= 30, or preset=None (6 cell types)")
    assert not list(tmp_path.iterdir())


def test_the_cli_names_the_preset_and_its_flags(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR):
        assert main(["-q", "simulate", "v", "--n-cells", "10", "--n-cell-types", "2"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--preset competition simulates 13 batches for --kind multiome, more than --n-cells 10: some "
                      "would have no cell; pass --n-cells >= 13, or --n-batches <= 10, or --preset none (3 batches)"]
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert main(["-q", "simulate", "v", "--n-cells", "4"]) == 1  # the small defaults do not fit either
    assert caplog.records[-1].getMessage().endswith("pass --n-cells >= 22, or --n-cell-types <= 4")
    assert not list(tmp_path.iterdir())


def test_a_size_given_keeps_its_own_refusal(tmp_path):
    with pytest.raises(ValueError, match=r"^n_cell_types=40 is more than n_cells=30"):
        write_simulated(tmp_path / "v", n_cells=30, kind="cite", n_cell_types=40)
