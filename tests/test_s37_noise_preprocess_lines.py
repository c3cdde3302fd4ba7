"""Session 37: every jae fit logged three preprocessing details at INFO: 'proteins normalised by ... (protein_norm
...)', 'fitting 100-component SVD of GEX (600 x 1000)' (printed through the preprocessing progress bar) and 'median
protein count per cell: ...'. They describe the defaults' internals and now log at DEBUG (-v)."""

from __future__ import annotations

import logging

from jae import JAE, JAEConfig
from jae.datasets import simulate

DETAILS = ("proteins normalised ", "fitting 20-component SVD of GEX", "median protein count per cell: ")


def test_preprocessing_details_are_debug_lines(caplog):
    m = simulate(200, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=2)
    with caplog.at_level(logging.DEBUG, logger="jae"):
        JAE(JAEConfig(max_epochs=1, n_svd=20), device="cpu").fit(m, progress_bar=False)
    for start in DETAILS:
        levels = [r.levelno for r in caplog.records if r.getMessage().startswith(start)]
        assert levels == [logging.DEBUG], (start, levels)
