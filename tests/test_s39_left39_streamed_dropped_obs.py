"""Session 39 (leftover): an .h5mu whose modalities hold one obs column with other values ('cell_type' in 'rna' and
in 'prot'), streamed (jae fit --memory-budget below the estimate, or embed/map, which stream), dropped the second
modality's values without a word, where reading it whole warned that they were dropped and how to keep both. The
streamed path now logs the same warning when it chooses to stream; read whole it is not said twice, and an
annotation file replacing the column (its values win) silences it as read whole."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import open_h5mu
from jae.io.plan import plan_input


@pytest.fixture(scope="module")
def h5mu(tmp_path_factory):
    d = tmp_path_factory.mktemp("dropped")
    m = simulate(80, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    types = m.obs["cell_type"].astype(str).to_numpy()
    rna.obs["cell_type"], prot.obs["cell_type"] = types, types[::-1]
    prot.obs["only_prot"] = "p"
    md.MuData({"rna": rna, "prot": prot}).write(d / "x.h5mu")
    ad.AnnData(obs=pd.DataFrame({"cell_type": ["t"] * 80}, index=m.obs_names)).write_h5ad(d / "ann.h5ad")
    return d


def _dropped(caplog):
    return [r.getMessage() for r in caplog.records
            if "holds other values in modality 'prot'" in r.getMessage() and r.levelno == logging.WARNING]


@pytest.mark.parametrize("how", ["budget", "once"])
def test_streamed_h5mu_warns_of_the_dropped_column(h5mu, caplog, how):
    caplog.set_level(logging.INFO, logger="jae")
    kwargs = dict(memory_budget=1) if how == "budget" else dict(what="query", once=True)
    files = plan_input(h5mu / "x.h5mu", **kwargs)
    assert type(files).__name__ == "PairedFiles"  # streamed
    lines = _dropped(caplog)
    assert len(lines) == 1 and "'cell_type'" in lines[0] and "rename the column" in lines[0]
    assert "only_prot" in files.obs.columns  # a column one modality holds is kept, as read whole


def test_read_whole_or_replaced_by_annotations_is_not_said_at_planning(h5mu, caplog):
    caplog.set_level(logging.INFO, logger="jae")
    assert type(plan_input(h5mu / "x.h5mu")).__name__ == "MuData"  # read whole: fit's cell_obs says it, once
    assert _dropped(caplog) == []
    files = open_h5mu(h5mu / "x.h5mu").with_annotations([h5mu / "ann.h5ad"])  # its cell_type replaces both
    plan_input(files, memory_budget=1)
    assert _dropped(caplog) == []
