"""Session 37: jae embed (default fine-tuning) logged the label-transfer calibration line again at INFO, with numbers
other than the fit's, which read as if the saved model had changed. The refit after fine-tuning is now said at DEBUG
only (in its own words); the fit still says its calibration once at INFO."""

from __future__ import annotations

import logging

from jae import JAE, JAEConfig
from jae.datasets import simulate


def _calibration_lines(caplog, level):
    return [r.getMessage() for r in caplog.records
            if r.name == "jae.labels.transfer" and r.levelno == level and r.getMessage().startswith("label transfer")]


def test_finetune_says_its_recalibration_at_debug_only(caplog):
    m = simulate(300, kind="cite", n_genes=200, n_cell_types=4, n_batches=2, seed=1)
    with caplog.at_level(logging.DEBUG, logger="jae"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=20), device="cpu").fit(m, progress_bar=False)
    assert len(_calibration_lines(caplog, logging.INFO)) == 1  # the fit's, kept
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="jae"):
        model.finetune(m, epochs=1, progress_bar=False)
    assert _calibration_lines(caplog, logging.INFO) == []
    again = _calibration_lines(caplog, logging.DEBUG)
    assert len(again) == 1 and again[0].startswith("label transfer recalibrated for the network fine-tuned"), again
    assert model.calibration is not None
