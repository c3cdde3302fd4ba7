"""The JAE network in pure PyTorch: residual fully-connected encoder, fully-connected decoder."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["JAENetwork"]


class _ResidualBlock(nn.Module):
    """Linear -> BatchNorm -> ReLU -> Dropout, plus a (projected) skip connection from the block's input."""

    def __init__(self, n_in: int, n_out: int, *, dropout: float, batch_norm: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.norm = nn.BatchNorm1d(n_out) if batch_norm else nn.Identity()
        self.act = nn.ReLU()
        self.drop = nn.Dropout(dropout)
        self.skip = nn.Identity() if n_in == n_out else nn.Linear(n_in, n_out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.act(self.norm(self.linear(x)))) + self.skip(x)


def _mlp(widths: list[int], *, dropout: float, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(widths[:-2], widths[1:-1]):
        layers += [nn.Linear(n_in, n_out)]
        if batch_norm:
            layers += [nn.BatchNorm1d(n_out)]
        layers += [nn.ReLU(), nn.Dropout(dropout)]
    layers.append(nn.Linear(widths[-2], widths[-1]))
    return nn.Sequential(*layers)


class JAENetwork(nn.Module):
    """Autoencoder mapping preprocessed features ``(n, n_input)`` to a latent ``(n, n_latent)`` and back.

    Parameters
    ----------
    n_input
        Width of the concatenated per-modality features.
    n_latent
        Latent dimension (the sum of the latent layout's blocks).
    hidden
        Encoder widths; the decoder uses them reversed.
    dropout, batch_norm
        Regularisation of the hidden layers.
    n_condition
        Width of a condition vector (the batch one-hot) the decoder receives beside the latent; 0 for none.
    """

    def __init__(
        self, n_input: int, n_latent: int, *, hidden: tuple[int, ...], dropout: float, batch_norm: bool,
        n_condition: int = 0,
    ) -> None:
        super().__init__()
        self.n_condition = int(n_condition)
        widths = [n_input, *hidden]
        self.encoder_blocks = nn.Sequential(
            *[_ResidualBlock(a, b, dropout=dropout, batch_norm=batch_norm) for a, b in zip(widths[:-1], widths[1:])]
        )
        self.to_latent = nn.Linear(widths[-1], n_latent)
        self.decoder = _mlp(
            [n_latent + self.n_condition, *reversed(hidden), n_input], dropout=dropout, batch_norm=batch_norm
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_latent(self.encoder_blocks(x))

    def decode(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Reconstruct the input from the latent (and the condition; zeros when it is None)."""
        if not self.n_condition:
            return self.decoder(z)
        if condition is None:
            condition = z.new_zeros(z.shape[0], self.n_condition)
        elif condition.shape != (z.shape[0], self.n_condition):
            raise ValueError(f"condition has shape {tuple(condition.shape)}, expected ({z.shape[0]}, {self.n_condition})")
        return self.decoder(torch.cat([z, condition], dim=1))

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(latent, reconstruction)``."""
        z = self.encode(x)
        return z, self.decode(z, condition)
