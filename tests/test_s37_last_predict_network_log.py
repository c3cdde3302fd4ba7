"""Session 37: jae predict's 'predict: early stop at epoch N' lines named no network, so in an ensemble's log the
ten lines could not be told apart; each now says which network ('predict network 3/6'). Training is unchanged."""

from __future__ import annotations

import logging

import numpy as np

from jae.prediction import PredictConfig
from jae.prediction.train import train_ensemble


def test_each_early_stop_line_names_its_network(caplog):
    rng = np.random.default_rng(0)
    S, codes = rng.normal(size=(60, 5)).astype(np.float32), rng.normal(size=(60, 3)).astype(np.float32)
    config = PredictConfig(max_epochs=300, patience=1, learning_rate=0.05, n_members=3, hidden=(8,), latent=4, dropout=(0.1, 0.2))
    with caplog.at_level(logging.INFO, logger="jae"):
        train_ensemble(S, codes, config=config, seed=0, device="cpu", progress_bar=False)
    stops = [r.getMessage() for r in caplog.records if "early stop at epoch" in r.getMessage()]
    assert len(stops) == 6, stops  # 3 members x 2 dropout rates, patience 1: every one stops early
    assert [s.split(":")[0] for s in stops] == [f"predict network {k}/6" for k in range(1, 7)], stops
