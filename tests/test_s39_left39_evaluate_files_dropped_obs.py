"""Session 39 (leftover, follow-up of test_s39_left39_streamed_dropped_obs): jae.evaluate / jae evaluate on an .h5mu
opened lazily (jae.io.open_h5mu; jae evaluate --h5mu) whose modalities hold one obs column with other values
(cell_type in 'rna' and in 'prot') scored with the first modality's labels and dropped the second's without a word,
where the same file read whole warned. It now warns once either way; the scores are unchanged."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.io import open_h5mu, read_h5mu


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    d = tmp_path_factory.mktemp("evaluate_dropped")
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    types = m.obs["cell_type"].astype(str).to_numpy()
    rna.obs["cell_type"], prot.obs["cell_type"] = types, types[::-1]
    md.MuData({"rna": rna, "prot": prot}).write(d / "x.h5mu")
    return d / "x.h5mu"


def _said(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "holds other values in "
            "modality 'prot'" in r.getMessage()]


def test_evaluate_on_opened_files_warns_of_the_dropped_column_once(path, caplog):
    emb = np.random.default_rng(0).normal(size=(120, 5))
    caplog.set_level(logging.WARNING, logger="jae")
    lazily = jae.evaluate(open_h5mu(path), {"x": emb}, batch_key=None, report=False, progress_bar=False)
    assert len(_said(caplog)) == 1
    caplog.clear()
    whole = jae.evaluate(read_h5mu(path), {"x": emb}, batch_key=None, report=False, progress_bar=False)
    assert len(_said(caplog)) == 1  # as before
    assert lazily.loc["x", ["nmi", "asw_label", "graph_conn"]].equals(whole.loc["x", ["nmi", "asw_label",
                                                                                       "graph_conn"]])
