"""Optimisation: the training loop and its stages."""

from __future__ import annotations

from .._device import resolve_device, usable_device
from .loop import cpu_threads, make_optimizer, run_epochs, split_validation
from .trainer import Stage, batch_scale, train_network, unchanged_on_failure, unfitted_on_failure

__all__ = ["Stage", "batch_scale", "cpu_threads", "make_optimizer", "resolve_device", "run_epochs", "split_validation",
           "train_network", "unchanged_on_failure", "unfitted_on_failure", "usable_device"]
