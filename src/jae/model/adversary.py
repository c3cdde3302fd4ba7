"""A learnt batch classifier on the latent vector, the adversary of the seed's batch-removal term."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["BatchAdversary", "adversary_step_loss"]


class BatchAdversary(nn.Module):
    """Small MLP guessing a cell's batch from its latent vector.

    It is trained to classify (cross-entropy against the true batch) while the encoder is trained to leave its
    guess uniform, so batch information is removed from every latent unit, not only from the batch block. It
    exists only during training and is not saved with the model.
    """

    def __init__(self, n_latent: int, n_batch: int, *, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_latent, hidden), nn.ReLU(), nn.Linear(hidden, n_batch))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def adversary_step_loss(adversary: BatchAdversary, z: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
    """The adversary's own loss: cross-entropy of its guess on ``z`` (detached) against the known batches.

    ``batch`` holds int64 codes, ``-1`` for cells of batches outside the reference (left out).
    """
    known = batch >= 0
    if not bool(known.any()):
        return z.new_zeros(())
    return F.cross_entropy(adversary(z.detach()[known]), batch[known])
