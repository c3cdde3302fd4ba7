"""JAE's loss, returned as named parts so every term can be logged."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..config import JAEConfig
from .layout import LatentLayout

__all__ = ["jae_loss", "uniform_cross_entropy", "type_weights"]


def type_weights(codes: torch.Tensor, n_types: int, balance: float) -> torch.Tensor | None:
    """Per-type weights of the cell-type term, ``(n / (n_types_present * n_t)) ** balance`` for the ``n_t`` labelled
    training cells of type ``t`` among ``codes`` (``-1``: unlabelled, left out); None when ``balance`` is 0 (every
    cell alike, the seed's loss) or no cell is labelled. ``balance`` 1 gives every type the same total weight."""
    if not balance or n_types == 0:
        return None
    counts = torch.bincount(codes[codes >= 0].cpu(), minlength=n_types).to(torch.float64)
    if not counts.sum():
        return None
    present = counts > 0
    w = torch.ones(n_types, dtype=torch.float64)
    w[present] = (counts.sum() / (present.sum() * counts[present])) ** balance
    return w.to(torch.float32).to(codes.device)


def uniform_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``softmax(logits)`` against the uniform distribution, averaged over rows.

    Minimal (``log(k)``) when every row's prediction is uniform over the ``k`` classes: the seed's way of
    removing batch information from the batch block.
    """
    return -F.log_softmax(logits, dim=1).mean(dim=1).mean()


def jae_loss(
    z: torch.Tensor,
    recon: torch.Tensor,
    x: torch.Tensor,
    *,
    layout: LatentLayout,
    config: JAEConfig,
    cell_type: torch.Tensor | None = None,
    phase: torch.Tensor | None = None,
    adversary_logits: torch.Tensor | None = None,
    reconstruction_only: bool = False,
    type_weight: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Weighted JAE loss and its parts.

    Parameters
    ----------
    z
        ``(n, layout.dim)`` latent vectors.
    recon, x
        ``(n, n_input)`` reconstruction and input.
    cell_type
        ``(n,)`` int64 cell-type codes; ``-1`` marks unlabelled cells, which are left out of the term.
    phase
        ``(n, layout.n_phase)`` target scores; NaN rows are left out of the term.
    adversary_logits
        ``(n, n_batch)`` batch guesses of a :class:`~jae.model.BatchAdversary` on ``z``; the encoder's term pushes
        them towards uniform (weight ``config.w_adversary``).
    reconstruction_only
        Fine-tuning: only the reconstruction term.
    type_weight
        ``(layout.n_cell_type,)`` weight of each type's cells in the cell-type term (its weighted mean), or None
        (every cell alike): :func:`type_weights`, ``config.type_balance``.

    Returns
    -------
    Dict with the unweighted terms ``'reconstruction'``, ``'cell_type'``, ``'batch'``, ``'phase'``,
    ``'adversary'`` (those that apply) and ``'total'``, the weighted sum.
    """
    parts = {"reconstruction": F.mse_loss(recon, x)}
    weights = {"reconstruction": config.w_reconstruction}
    if not reconstruction_only:
        if layout.n_cell_type and cell_type is not None:
            labelled = cell_type >= 0
            every = bool(labelled.all())  # the usual minibatch: no masked copy (the same values, the same loss)
            if every or bool(labelled.any()):
                rows = slice(None) if every else labelled
                parts["cell_type"] = F.cross_entropy(z[rows, layout.block("cell_type")], cell_type[rows],
                                                     weight=type_weight)
                weights["cell_type"] = config.w_cell_type
        if layout.n_batch:
            parts["batch"] = uniform_cross_entropy(z[:, layout.block("batch")])
            weights["batch"] = config.w_batch
        if layout.n_phase and phase is not None:
            known = ~torch.isnan(phase).any(dim=1)
            every = bool(known.all())
            if every or bool(known.any()):
                rows = slice(None) if every else known
                parts["phase"] = F.mse_loss(z[rows, layout.block("phase")], phase[rows])
                weights["phase"] = config.w_phase
        if adversary_logits is not None and config.w_adversary > 0:
            parts["adversary"] = uniform_cross_entropy(adversary_logits)
            weights["adversary"] = config.w_adversary
    parts["total"] = sum(weights[k] * parts[k] for k in weights)
    return parts
