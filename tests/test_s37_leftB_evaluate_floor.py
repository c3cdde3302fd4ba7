"""jae.metrics.evaluate_embedding scored embeddings of 2 to 15 cells, where the metrics' graph of 15 neighbours per
cell (scanpy's rule: 1 + n // 2 below 15 cells) joins each cell to half or all of the others, so nmi, graph_conn and
ti_cons said nothing (jae.evaluate already refused fewer than 16 scored cells). It now refuses them in one line,
before any work, naming the floor of 16 cells (N_NEIGHBORS + 1); 16 cells are scored as before."""

from __future__ import annotations

import numpy as np
import pytest

from jae.metrics import evaluate_embedding


def _scored(n: int):
    E = np.random.default_rng(n).normal(size=(n, 4)).astype(np.float32)
    return evaluate_embedding(E, cell_type=np.arange(n) % 2, batch=(np.arange(n) // 2) % 2, device="cpu",
                              progress_bar=False, diagnostics=False)


@pytest.mark.parametrize("n", [2, 5, 15])
def test_fewer_than_sixteen_cells_are_refused(n):
    with pytest.raises(ValueError, match=rf"^evaluate_embedding: the embedding has {n} cells, fewer than the 16 the "
                                         r"metrics need .*score at least 16 cells$"):
        _scored(n)


def test_sixteen_cells_are_scored():
    row = _scored(16)
    assert np.isfinite(row["nmi"]) and np.isfinite(row["graph_conn"]) and np.isfinite(row["overall"])
