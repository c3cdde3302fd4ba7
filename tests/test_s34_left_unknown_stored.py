"""predict_cell_type decided 'unknown' on the float64 score but stored 'unknown_score' as float32: a cell scoring
1 + 3e-8 was flagged unknown while its stored score read 1.0 (not > 1, the documented rule). The call is now made on
the score as stored, so the two always agree; scores farther than float32's rounding from 1 are called as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae.labels.transfer
from jae.datasets import simulate


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s34_left_unknown")[1]


def test_unknown_agrees_with_the_stored_score_at_the_threshold(cite, monkeypatch):
    cells = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    near = np.array([1 + 3e-8, 1 - 3e-8, 1.5, 0.5])

    def scores(rest, score, *, seed, **kwargs):
        return np.resize(near, len(score))

    monkeypatch.setattr(jae.labels.transfer, "smooth_over_cells", scores)
    monkeypatch.setattr(jae.labels.transfer, "_head_call", lambda model: True)
    labels = cite.predict_cell_type(cells, key_added=None)
    assert labels["unknown_score"].dtype == np.float32
    assert (labels["unknown"].to_numpy() == (labels["unknown_score"].to_numpy() > 1.0)).all()
    assert labels["unknown"].tolist()[:4] == [False, False, True, False]
