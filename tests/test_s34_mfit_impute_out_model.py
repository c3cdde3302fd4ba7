"""jae embed --impute-out naming the model folder itself said '... is an input file', though it is the model folder;
it now names the model folder (before anything is read or written)."""

from __future__ import annotations

import logging

from jae.cli import main
from jae.datasets import simulate


def test_impute_out_naming_the_model_folder_is_said_to_be_the_model_folder(own_cite_model, caplog):
    folder, _ = own_cite_model("mfit_impute_out_model")
    data = folder / "q.h5mu"
    simulate(20, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1).write(data)
    before = sorted(p.name for p in (folder / "model").iterdir())
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["embed", "--h5mu", str(data), "--model", str(folder / "model"), "--out", str(folder / "o.h5ad"),
                   "--impute-out", str(folder / "model")])
    assert rc != 0
    assert f"--impute-out {folder / 'model'} is the model folder; choose another path for --impute-out" in caplog.text
    assert "input file" not in caplog.text
    assert sorted(p.name for p in (folder / "model").iterdir()) == before and not (folder / "o.h5ad").exists()
