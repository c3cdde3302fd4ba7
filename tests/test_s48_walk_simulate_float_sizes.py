"""``jae.datasets.simulate(1e4)`` (a Python habit for large counts) was refused with 'n_cells must be a whole number,
not 10000.0', which reads as a contradiction (session 48's walk): a whole float now gets 'must be an integer, not
10000.0 (a float); pass n_cells=10000'. Fractions and text keep their message."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate, write_simulated


@pytest.mark.parametrize("value", [1e4, np.float64(1e4)])
def test_a_whole_float_is_answered_with_the_int_to_pass(value):
    with pytest.raises(TypeError) as err:
        simulate(value)
    assert str(err.value) == "n_cells must be an integer, not 10000.0 (a float); pass n_cells=10000"


def test_the_streamed_writer_says_the_same_of_any_size(tmp_path):
    with pytest.raises(TypeError, match=r"^n_genes must be an integer, not 300\.0 \(a float\); pass n_genes=300$"):
        write_simulated(tmp_path / "s", n_cells=100, preset=None, n_genes=300.0)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("value", [100.5, "100"])
def test_fractions_and_text_keep_their_message(value):
    with pytest.raises(TypeError, match=r"^n_cells must be a whole number, not "):
        simulate(value)
