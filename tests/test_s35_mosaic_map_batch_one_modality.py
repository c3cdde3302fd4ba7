"""map_query of a mosaic query whose batch column is kept in one modality's obs only (session 35): the cells of the
other modality alone were refused as 'N cells have no batch label; fill the missing labels', without saying which
cells or why; they are now named, as jae fit names them, in Python and in jae map, before the counts are read."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model):
    folder, model = own_cite_model("s35_mosaic_map_batch")
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=7)
    cells = np.arange(q.n_obs)
    rna, prot = q["rna"][cells < 100].copy(), q["prot"][cells >= 25].copy()  # 20 cells with proteins alone
    rna.obs["batch"] = "query1"
    mdata = md.MuData({"rna": rna, "prot": prot})
    path = folder / "q.h5mu"
    mdata.write(path)
    return folder, model, mdata, path


def test_a_query_batch_kept_in_one_modality_names_the_cells_lacking_it(setup, caplog):
    folder, model, mdata, path = setup
    said = (r"^20 of 120 cells have no batch label in 'batch': exactly the cells measured in 'prot' alone, as when the "
            r"column is kept in modality 'rna''s obs only; give every cell its batch \(in the MuData's obs")
    for data in (mdata, path):
        with pytest.raises(ValueError, match=said):
            model.map_query(data, progress_bar=False)
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["-q", "map", "--h5mu", str(path), "--model", str(folder / "model"), "--out", str(folder / "m")])
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(errors) == 1 and not (folder / "m").exists()
    assert "exactly the cells measured in 'prot' alone" in errors[0] and "--annotations FILE" in errors[0], errors[0]
    fixed = mdata.copy()
    fixed.obs["batch"] = "query1"  # the fix: every cell's batch in the MuData's obs
    mapped = model.map_query(fixed, progress_bar=False)
    assert "query1" in mapped.adapter.batches
