"""jae map --epochs 1 of a query of one minibatch logged 'mapping N query cells ... : 1 steps of input shifts
(1 epochs)'; it says '1 step of input shifts (1 epoch)' now, and '20 steps ... (20 epochs)' at the default as
before."""

from __future__ import annotations

import logging

from jae.cli import main
from jae.datasets import simulate


def test_map_log_counts_one_epoch_in_the_singular(own_cite_model, caplog):
    folder, _ = own_cite_model("s35_map_log")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=4)
    query.obs["batch"] = "new_" + query.obs["batch"].astype(str)
    query.write(folder / "q.h5mu")
    base = ["map", "--model", str(folder / "model"), "--h5mu", str(folder / "q.h5mu"), "--device", "cpu"]
    with caplog.at_level(logging.INFO, logger="jae"):
        assert main([*base, "--epochs", "1", "--out", str(folder / "m1")]) == 0
        assert main([*base, "--out", str(folder / "m20")]) == 0
    said = [r.getMessage() for r in caplog.records if "of input shifts" in r.getMessage()]
    assert len(said) == 2, said
    assert "1 step of input shifts (1 epoch)" in said[0], said
    assert "20 steps of input shifts (20 epochs)" in said[1], said
