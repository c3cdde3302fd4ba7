"""jae.evaluate on cells of a single cell type: the warning that the label metrics are undefined, once per run."""

from __future__ import annotations

import logging

import numpy as np

import jae
from jae.metrics import evaluate_embedding


def _one_type(n=300):
    mdata = jae.datasets.simulate(n, seed=0)
    mdata.obs["cell_type"] = "T"
    rng = np.random.default_rng(0)
    return mdata, {"a": rng.normal(size=(n, 6)), "b": rng.normal(size=(n, 6))}


def _one_type_warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "every scored cell has the cell type" in
            r.getMessage()]


def test_one_cell_type_is_said_once_per_run_not_once_per_embedding(caplog):
    """Two embeddings scored (or one with --baseline) logged the same warning twice, once per embedding; it is now
    said once, before scoring. The scores are those evaluate_embedding gives each embedding alone."""
    mdata, embs = _one_type()
    with caplog.at_level(logging.WARNING, logger="jae"):
        table = jae.evaluate(mdata, embs, progress_bar=False)
    said = _one_type_warnings(caplog)
    assert len(said) == 1 and "'T'" in said[0].getMessage()
    assert table.loc[["a", "b"], ["nmi", "asw_label"]].isna().all().all()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):  # evaluate_embedding alone still says it (no filter left)
        evaluate_embedding(embs["a"], cell_type=mdata.obs["cell_type"], batch=mdata.obs["batch"], progress_bar=False)
    assert len(_one_type_warnings(caplog)) == 1
