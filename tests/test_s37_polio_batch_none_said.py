"""Session 37 (polio): batch_key=None ('--batch-key none') on data whose obs holds several batches.

Fitting (or evaluating) with batch_key=None on data whose obs['batch'] holds several batches left the column aside
without a word. One INFO line now names the column and its number of batches; data without one gets no line.
"""

from __future__ import annotations

import logging

import numpy as np

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate


def _lines(caplog):
    return [r for r in caplog.records if "not used" in r.getMessage() and "obs['batch']" in r.getMessage()]


def test_fit_without_a_batch_column_names_the_batches_left_aside(caplog):
    m = simulate(120, n_genes=200, n_peaks=150, n_cell_types=3, n_batches=3, seed=3)
    with caplog.at_level(logging.INFO, logger="jae"):
        model = JAE(JAEConfig(max_epochs=1), seed=0).fit(m, batch_key=None, progress_bar=False)
    assert model.batches == ["all"]  # one batch, as asked
    said = _lines(caplog)
    assert len(said) == 1 and said[0].levelno == logging.INFO
    assert "holds 3 batches" in said[0].getMessage()
    caplog.clear()
    del m.obs["batch"]
    for a in m.mod.values():
        a.obs = a.obs.drop(columns=[c for c in a.obs.columns if c == "batch"])
    with caplog.at_level(logging.INFO, logger="jae"):
        JAE(JAEConfig(max_epochs=1), seed=0).fit(m, batch_key=None, progress_bar=False)
    assert _lines(caplog) == []  # nothing left aside: nothing said


def test_evaluate_without_a_batch_column_names_the_batches_left_aside(caplog):
    m = simulate(150, n_genes=200, n_peaks=150, n_cell_types=3, n_batches=2, seed=4)
    emb = np.random.default_rng(0).normal(size=(m.n_obs, 8))
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.evaluate(m, {"X_rand": emb}, batch_key=None, pseudotime_keys=[], organism="human", progress_bar=False)
    said = [r.getMessage() for r in caplog.records if "no batch column given" in r.getMessage()]
    assert said == ["no batch column given: all cells are one batch (asw_batch is n/a), though obs['batch'] holds "
                    "2 batches, not used"]
