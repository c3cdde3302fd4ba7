"""An .h5mu whose modalities hold one obs column with other values that the call does not read (muon's per-modality
'leiden' clusters): read whole, fit says at INFO that the second modality's values are dropped (session 39's rule:
a warning only for the columns the call reads); streamed, the same line was a warning whatever the call read
(jae.io.cell_obs.warn_dropped). Now both routes say it alike: at INFO for 'leiden', a warning for the cell-type
column the fit reads."""

from __future__ import annotations

import logging

import mudata as md
import pytest

import jae


@pytest.fixture(scope="module")
def h5mu(tmp_path_factory):
    d = tmp_path_factory.mktemp("s52_unread")
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    clusters = (rna.obs_names.str[-1:].astype(int) % 3).astype(str)
    rna.obs["leiden"], prot.obs["leiden"] = clusters, clusters[::-1]  # each modality's own clustering
    rna.obs["batch"] = prot.obs["batch"] = m.obs["batch"].astype(str).to_numpy()
    types = m.obs["cell_type"].astype(str).to_numpy()
    rna.obs["cell_type"], prot.obs["cell_type"] = types, types[::-1]  # the labels the fit reads: rna's kept
    md.MuData({"rna": rna, "prot": prot}).write(d / "x.h5mu")
    return d / "x.h5mu"


def _levels(caplog, column):
    return {r.levelno for r in caplog.records if f"obs column '{column}' holds other values" in r.getMessage()}


@pytest.mark.parametrize("budget", [None, 1])  # read whole, streamed
def test_unread_column_said_at_info_read_column_warned(h5mu, caplog, budget):
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0)
    with caplog.at_level(logging.INFO, logger="jae"):
        model.fit(h5mu, cell_type_key="cell_type", memory_budget=budget, progress_bar=False)
    assert _levels(caplog, "leiden") == {logging.INFO}
    assert _levels(caplog, "cell_type") == {logging.WARNING}
