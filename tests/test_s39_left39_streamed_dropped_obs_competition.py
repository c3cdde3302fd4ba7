"""Session 39 (leftover, follow-up of test_s39_left39_streamed_dropped_obs): two competition-layout files whose
second gives other values of one of the first's obs columns ('cell_type'), streamed (jae fit --mod1 --mod2
--memory-budget below the estimate), dropped the second file's values silently; read whole, a warning named the
column and the fix. It now says so when streamed too, naming the modality as read whole does ('prot'), and not for
files that agree (the competition's own, with the same cell types in both); the values read are unchanged."""

from __future__ import annotations

import logging

import pytest

from jae.datasets import simulate, write_simulated
from jae.io import open_competition
from jae.io.plan import plan_input


def _said(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "holds other values" in
            r.getMessage()]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("competition")
    m = simulate(80, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    types = m.obs["cell_type"].astype(str).to_numpy()
    rna.obs["cell_type"], prot.obs["cell_type"] = types, types[::-1]
    rna.obs["batch"] = prot.obs["batch"] = m.obs["batch"].astype(str).to_numpy()
    rna.write_h5ad(d / "x.mod1.h5ad")
    prot.write_h5ad(d / "x.mod2.h5ad")
    return d, types


def test_streamed_competition_files_warn_of_the_dropped_column(files, caplog):
    d, types = files
    caplog.set_level(logging.INFO, logger="jae")
    streamed = plan_input(open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad"), memory_budget=1)
    assert type(streamed).__name__ == "PairedFiles"
    said = _said(caplog)
    assert len(said) == 1 and "'cell_type'" in said[0] and "modality 'prot'" in said[0]
    assert (streamed.obs["cell_type"].astype(str).to_numpy() == types).all()  # the first file's, as before


def test_agreeing_files_say_nothing(tmp_path, caplog):
    write_simulated(tmp_path / "sim", n_cells=60, kind="cite", preset=None, seed=1)
    caplog.set_level(logging.INFO, logger="jae")
    plan_input(open_competition(tmp_path / "sim.mod1.h5ad", tmp_path / "sim.mod2.h5ad"), memory_budget=1)
    assert _said(caplog) == []
