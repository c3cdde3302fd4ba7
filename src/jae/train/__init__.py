"""Optimisation: the training loop and its stages."""

from __future__ import annotations

from .trainer import Stage, resolve_device, split_validation, train_network

__all__ = ["Stage", "resolve_device", "split_validation", "train_network"]
