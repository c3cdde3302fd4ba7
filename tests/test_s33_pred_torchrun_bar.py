"""In a Python script under torchrun (``ModalityPredictor.fit``, ``jae.predict``, ``jae.predict_files``) every process
trains the whole predictor, and each drew its own 'predict: training N networks' bar over process 0's on the same
terminal; the joint model's and the preprocessing's bars were already process 0's alone. Now so is the predictor's."""

from __future__ import annotations

import numpy as np
import pytest

from jae.prediction import PredictConfig
from jae.prediction.train import train_ensemble

TINY = PredictConfig(max_epochs=2, patience=2, n_members=1, hidden=(8,), latent=4, dropout=0.1)


@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_only_process_0_draws_the_predictor_bar(monkeypatch, capsys, rank, shown):
    for name in ("LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    rng = np.random.default_rng(0)
    S, codes = rng.normal(size=(40, 5)).astype(np.float32), rng.normal(size=(40, 3)).astype(np.float32)
    ensemble = train_ensemble(S, codes, config=TINY, seed=0, device="cpu", progress_bar=True)
    assert len(ensemble.nets) == 1  # trained on every process all the same
    assert ("predict: training" in capsys.readouterr().err) == shown
