"""A reference fitted without a batch column (one sample, batch_key=None) keeps no batch names, so embedding its own
cells beside a mapped query (one MuData, a 'batch' column for every cell) warned that they were of batches 'this
model neither mapped nor was fitted on' and to 'map them first' (session 35), which would shift the reference's own
cells. The warning now says that no shift is right for the reference's cells and that only new samples need mapping;
the embedding is as before (the reference cells bit-identical to the reference's)."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np

from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_reference_cells_of_an_unbatched_reference_are_not_told_to_be_mapped(caplog):
    data = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=41)
    first = (data.obs["batch"] == sorted(data.obs["batch"].unique())[0]).to_numpy()
    ref = JAE(JAEConfig(max_epochs=2, n_svd=8), seed=0, device="cpu").fit(data[first].copy(), batch_key=None,
                                                                          progress_bar=False)
    mapped = ref.map_query(data[~first].copy(), epochs=1, progress_bar=False)
    together = md.MuData(dict(data.mod))
    together.obs["batch"] = data.obs["batch"].to_numpy()
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        emb = mapped.embed(together, key_added=None)
    said = [r.getMessage() for r in caplog.records if "without a shift" in r.getMessage()]
    assert len(said) == 1 and f"{int(first.sum())} cells" in said[0], said
    assert "neither mapped nor was fitted on" not in said[0] and "right for its reference cells" in said[0], said[0]
    assert np.array_equal(emb[first], ref.embed(data[first].copy(), key_added=None))
