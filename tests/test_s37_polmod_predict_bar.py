"""Session 37 (polmod): jae predict's one bar over its ensemble counted epochs across all networks ('1156epoch')
while the log named each network's own ('early stop at epoch 216'). Now it counts networks, with a total (members
times dropout candidates), and shows the epoch of the network in training in its postfix. Training is unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from jae.prediction import PredictConfig
from jae.prediction.train import train_ensemble

CONFIG = PredictConfig(max_epochs=4, patience=10, n_members=3, hidden=(8,), latent=4, dropout=(0.1, 0.2))


@pytest.fixture
def bars(monkeypatch):
    import tqdm.auto

    made = []

    class Recording(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.postfixes = []
            made.append(self)

        def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
            self.postfixes.append(dict(ordered_dict or {}, **kwargs))
            super().set_postfix(ordered_dict, refresh=refresh, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)
    return made


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 5)).astype(np.float32), rng.normal(size=(60, 3)).astype(np.float32)


def test_the_bar_counts_networks_and_shows_each_networks_epoch(bars):
    S, codes = _data()
    ensemble = train_ensemble(S, codes, config=CONFIG, seed=0, device="cpu", progress_bar=True)
    shown = [b for b in bars if b.desc.startswith("predict")]
    assert len(shown) == 1  # one bar for the long work
    bar = shown[0]
    assert bar.total == 6 and bar.n == 6 and bar.unit == "network"
    epochs = [int(p["epoch"]) for p in bar.postfixes if "epoch" in p]
    assert epochs == [1, 2, 3, 4] * 6  # each network's own epochs, as the log counts them
    assert all(len(h) == 4 for h in ensemble.histories)


def test_the_bar_does_not_change_training():
    S, codes = _data()
    shown = train_ensemble(S, codes, config=CONFIG, seed=0, device="cpu", progress_bar=True)
    hidden = train_ensemble(S, codes, config=CONFIG, seed=0, device="cpu", progress_bar=False)
    assert shown.histories == hidden.histories and shown.dropout == hidden.dropout
