"""jae.datasets.simulate with n_cell_types or n_batches close to n_cells gave obs['cell_type'] / obs['batch']
categories without a cell (10 cells of 8 types: 6 types drawn; 10 cells in 10 batches: 5 batches drawn), so every
per-type or per-batch step downstream met an empty group. Every type and batch now has at least one cell: an empty
one takes a cell of the largest, with no extra random draw, so designs without an empty category are unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate


@pytest.mark.parametrize("n, types, batches", [(10, 8, 2), (10, 2, 10), (6, 6, 6), (20, 18, 3)])
def test_every_type_and_batch_has_a_cell(n, types, batches):
    m = simulate(n, kind="cite", n_genes=200, n_proteins=15, n_cell_types=types, n_batches=batches, seed=0)
    for column, expected in (("cell_type", types), ("batch", batches)):
        values = m.obs[column]
        assert len(values.cat.categories) == expected
        assert values.value_counts().min() >= 1, column


def test_draws_without_an_empty_category_are_kept_as_drawn():
    from jae.datasets.design import _every_one

    codes = np.random.default_rng(0).integers(0, 4, size=50)
    assert _every_one(codes, 4) is codes
    filled = _every_one(np.array([0, 0, 0, 1, 1]), 4)
    assert sorted(np.bincount(filled, minlength=4)) == [1, 1, 1, 2]
