"""Session 39 (leftover, follow-up of test_s39_left39_streamed_dropped_obs): a mosaic .h5mu (modalities holding
different cells) whose modalities give the cells they share other values of one obs column, streamed, dropped the
second modality's values silently (read whole: a warning naming the column and the fix). It now says so when
streamed too; the columns and values read are unchanged."""

from __future__ import annotations

import logging

import mudata as md
import pytest

from jae.datasets import simulate
from jae.io import open_h5mu
from jae.io.plan import plan_input


@pytest.fixture(scope="module")
def mosaic(tmp_path_factory):
    d = tmp_path_factory.mktemp("mosaic")
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    types = m.obs["cell_type"].astype(str).to_numpy()
    rna.obs["cell_type"], prot.obs["cell_type"] = types, types[::-1]
    rna.obs["batch"] = prot.obs["batch"] = m.obs["batch"].astype(str).to_numpy()
    md.MuData({"rna": rna[:90].copy(), "prot": prot[30:].copy()}).write(d / "mos.h5mu")
    return d / "mos.h5mu", rna, prot


def test_streamed_mosaic_h5mu_warns_of_the_dropped_column(mosaic, caplog):
    path, rna, prot = mosaic
    caplog.set_level(logging.INFO, logger="jae")
    files = plan_input(open_h5mu(path, mosaic=True), memory_budget=1)
    assert type(files).__name__ == "MosaicFiles"
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "holds other values" in
            r.getMessage()]
    assert len(said) == 1 and "'cell_type'" in said[0] and "modality 'prot'" in said[0] and "of 60 cells" in said[0]
    got = files.obs["cell_type"].astype(str)
    assert (got.iloc[:90].to_numpy() == rna.obs["cell_type"].to_numpy()[:90]).all()  # RNA's kept where it has them
    assert (got.iloc[90:].to_numpy() == prot.obs["cell_type"].to_numpy()[90:]).all()  # the others their own
