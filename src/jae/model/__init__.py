"""The JAE network, its latent layout and its loss (pure PyTorch; no AnnData here)."""

from __future__ import annotations

from .adversary import BatchAdversary, adversary_step_loss
from .layout import LatentLayout
from .loss import jae_loss, uniform_cross_entropy
from .network import JAENetwork

__all__ = ["LatentLayout", "JAENetwork", "BatchAdversary", "adversary_step_loss", "jae_loss", "uniform_cross_entropy"]
