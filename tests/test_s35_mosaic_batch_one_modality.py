"""A mosaic MuData whose batch column is kept in one modality's obs only (session 35): the cells measured in the other
modality alone have no batch. fit refused them as 'N cells have no batch label; fill the missing labels', without
saying which cells or why; it now names them and where to give their batch, before any preprocessing."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    q = simulate(150, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=2, seed=5)
    cells = np.arange(q.n_obs)
    rna, prot = q["rna"][cells < 120].copy(), q["prot"][cells >= 30].copy()  # 30 cells with RNA alone
    prot.obs["batch"] = q.obs["batch"].iloc[30:].astype(str).to_numpy()
    rna.obs["cell_type"] = q.obs["cell_type"].iloc[:120].astype(str).to_numpy()
    mdata = md.MuData({"rna": rna, "prot": prot})
    path = tmp_path_factory.mktemp("s35_batch_one_modality") / "mos.h5mu"
    mdata.write(path)
    return mdata, path, q


def test_a_batch_kept_in_one_modality_names_the_cells_lacking_it_and_where_to_give_it(data, tmp_path, caplog):
    mdata, path, q = data
    with pytest.raises(ValueError, match=r"^30 of 150 cells have no batch label in 'batch': exactly the cells measured "
                                         r"in 'rna' alone, as when the column is kept in modality 'prot''s obs only; "
                                         r"give every cell its batch \(in the MuData's obs"):
        JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(mdata, progress_bar=False)
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["-q", "fit", "--h5mu", str(path), "--out", str(tmp_path / "m"), "--max-epochs", "1"])
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(errors) == 1 and not (tmp_path / "m").exists()
    assert "exactly the cells measured in 'rna' alone" in errors[0] and "--annotations FILE" in errors[0], errors[0]
    assert "--batch-key none" in errors[0]
    # the first fix given: the MuData's obs holding every cell's batch
    fixed = mdata.copy()
    fixed.obs["batch"] = q.obs["batch"].astype(str).reindex(fixed.obs_names)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(fixed, progress_bar=False)
    assert sorted(model.batches) == sorted(q.obs["batch"].astype(str).unique())
