"""jae.metrics.cell_cycle_reference(gex, var_names, batch) with a batch of another length than gex's rows said
'batch has 299 entries but the embedding has 300 cells', though no embedding is passed to it; the message now names
gex_lognorm (cell_cycle_reference_blocks: keep's selection). Other callers keep 'the embedding'."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate
from jae.metrics import cell_cycle_reference, cell_cycle_reference_blocks
from jae.preprocess import log_normalize


def test_batch_length_names_the_gex():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    G, names, batch = log_normalize(m["rna"].X), m["rna"].var_names, m.obs["batch"].to_numpy()
    with pytest.raises(ValueError, match=r"^batch has 59 entries but gex_lognorm has 60 cells; align them by cell$"):
        cell_cycle_reference(G, names, batch[:-1])
    keep = np.arange(60) % 2 == 0
    with pytest.raises(ValueError, match=r"^batch has 60 entries but keep's selection has 30 cells"):
        cell_cycle_reference_blocks(lambda: iter([G]), names, batch, keep=keep)
