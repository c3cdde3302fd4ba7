"""A fine-tuning that failed, and whose weights then could not be put back, showed the restore's error (e.g.
load_state_dict's) instead of the fine-tuning's own: the user was sent after the wrong problem. The fine-tuning's
error is now raised, and the restore's failure logged in one line beside it."""

from __future__ import annotations

import logging

import pytest

from jae.train.trainer import unchanged_on_failure


class _Network:
    def state_dict(self):
        import torch

        return {"w": torch.zeros(2)}

    def load_state_dict(self, weights):
        raise RuntimeError("restore broke")


class _Model:
    def __init__(self):
        self.network, self.history, self.calibration = _Network(), "h0", "c0"


def test_the_finetuning_error_is_raised_and_the_restore_failure_logged(caplog):
    @unchanged_on_failure
    def finetune(model):
        model.history, model.calibration = "h1", "c1"
        raise ValueError("the fine-tuning's own error")

    model = _Model()
    with caplog.at_level(logging.ERROR, logger="jae"), pytest.raises(ValueError, match="fine-tuning's own error"):
        finetune(model)
    assert "could not be put back" in caplog.text and "restore broke" in caplog.text
    assert (model.history, model.calibration) == ("h0", "c0")


def test_a_restore_that_works_says_nothing(caplog):
    restored = []

    class Network(_Network):
        def load_state_dict(self, weights):
            restored.append(weights)

    @unchanged_on_failure
    def finetune(model):
        raise KeyError("stop")

    model = _Model()
    model.network = Network()
    with caplog.at_level(logging.ERROR, logger="jae"), pytest.raises(KeyError):
        finetune(model)
    assert len(restored) == 1 and "could not be put back" not in caplog.text
