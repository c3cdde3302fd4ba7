"""The pretraining's tqdm bar counts up to max_epochs (500), but early stopping ends after some 15 epochs: the bar
was closed at 15/500, which tqdm's Jupyter bar (tqdm.auto in a notebook) keeps on screen in red, as for a run that
failed, though leave=False. An early stop now closes it full (its total set to the epochs run); a run cut short by
an error still closes short."""

from __future__ import annotations

import pytest
import torch
import tqdm.auto
from tqdm.std import tqdm as std_tqdm

from jae.train.loop import run_epochs


def _closed_bars(monkeypatch) -> list:
    """Where each bar run_epochs opens stands when it is closed: (n, total)."""
    closed = []

    class Recorded(std_tqdm):
        def close(self):
            if not self.disable:  # the first close (tqdm closes again when collected)
                closed.append((self.n, self.total))
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    return closed


def _run(validate):
    run_epochs(torch.nn.Linear(2, 1), lambda idx: {"total": torch.zeros(())}, n_train=20, batch_size=10,
               generator=torch.Generator().manual_seed(0), max_epochs=500, validate=validate, patience=3)


def test_an_early_stop_closes_the_progress_bar_full(monkeypatch):
    closed = _closed_bars(monkeypatch)
    _run(lambda: 1.0)
    assert closed == [(4, 4)]  # stopped after 1 + patience epochs: full, not 4/500


def test_a_run_stopped_by_an_error_closes_its_bar_short(monkeypatch):
    def failing():
        raise RuntimeError("stop")

    closed = _closed_bars(monkeypatch)
    with pytest.raises(RuntimeError):
        _run(failing)
    assert closed == [(0, 500)]
