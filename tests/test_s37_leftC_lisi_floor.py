"""diagnose_embedding, ilisi and clisi called directly scored embeddings of fewer than 16 cells (s37 audit): ilisi
0.98 at 10 random cells, whose 15-neighbour graph joins every cell to the others. They now refuse them in one line
naming the floor evaluate_embedding uses (16 cells); 16 cells and more score as before."""

from __future__ import annotations

import numpy as np
import pytest

from jae.metrics import clisi, diagnose_embedding, ilisi


def _cells(n: int):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)).astype(np.float32), np.array(["a", "b"] * (n // 2)), np.array(["x", "y"] * (n // 2))


@pytest.mark.parametrize("call", ["ilisi", "clisi", "diagnose_embedding"])
def test_fewer_than_16_cells_are_refused(call):
    E, batch, types = _cells(10)
    run = {"ilisi": lambda: ilisi(E, batch), "clisi": lambda: clisi(E, types),
           "diagnose_embedding": lambda: diagnose_embedding(E, batch=batch, cell_type=types)}[call]
    with pytest.raises(ValueError, match=r"the embedding has 10 cells, fewer than the 16 the metrics need.*score at "
                                         r"least 16 cells$") as err:
        run()
    assert "\n" not in str(err.value)


def test_16_cells_score():
    E, batch, types = _cells(16)
    assert 0 <= ilisi(E, batch) <= 1 and 0 <= clisi(E, types) <= 1
    out = diagnose_embedding(E, batch=batch, cell_type=types)
    assert out["ilisi"] == ilisi(E, batch) and out["clisi"] == clisi(E, types)
