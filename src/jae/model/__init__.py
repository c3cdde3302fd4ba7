"""The JAE network, its latent layout and its loss (pure PyTorch; no AnnData here)."""

from __future__ import annotations

from .layout import LatentLayout
from .loss import jae_loss, uniform_cross_entropy
from .network import JAENetwork

__all__ = ["LatentLayout", "JAENetwork", "jae_loss", "uniform_cross_entropy"]
