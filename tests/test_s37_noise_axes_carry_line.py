"""Session 37: every fit with unlabelled cells logged at INFO 'principal axes from the reference cells: the reference
cells' top 50 axes keep 1.00 of their variance ... (at or above axes_carry_min 0.90)', a check that changed nothing.
That case now logs at DEBUG; when the check switches the fit to axes from every cell, the line stays at INFO."""

from __future__ import annotations

import logging

import jae.model.readout as readout
from jae import JAE, JAEConfig
from jae.datasets import simulate


def _fit(caplog):
    m = simulate(300, kind="cite", n_genes=200, n_cell_types=4, n_batches=2, seed=3)
    query = (m.obs["batch"].astype(str) == m.obs["batch"].cat.categories[1]).to_numpy()
    m.obs["cell_type"] = m.obs["cell_type"].astype(object).where(~query)
    with caplog.at_level(logging.DEBUG, logger="jae"):
        JAE(JAEConfig(max_epochs=1, n_svd=20), device="cpu").fit(m, progress_bar=False, finetune=False)
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("principal axes from")]


def test_a_carry_above_the_threshold_is_a_debug_line(caplog):
    said = _fit(caplog)
    assert len(said) == 1 and said[0][0] == logging.DEBUG and "at or above axes_carry_min" in said[0][1], said


def test_a_carry_below_the_threshold_stays_at_info(caplog, monkeypatch):
    monkeypatch.setattr(readout, "axes_carry", lambda *a, **k: 0.5)
    said = _fit(caplog)
    assert len(said) == 1 and said[0][0] == logging.INFO and said[0][1].startswith("principal axes from every cell")
