"""The prediction network (pure PyTorch): source encoding -> latent -> target code.

The encoder is an MLP from the standardised source encoding to a latent space; the decoder maps the latent to the
target's code (centred target features, or the coefficients of the target's SVD basis, see
:mod:`jae.prediction.codec`). Input standardisation and the per-dimension output scale are buffers, so the state
dict alone rebuilds the network.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["PredictionNet"]


class SeededDropout(nn.Module):
    """Dropout drawing its masks from a local ``torch.Generator`` (set by the trainer), never the global RNG."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = float(p)
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, dtype=x.dtype).to(x.device) >= self.p  # CPU draws: same masks on any device
        return x * keep / (1.0 - self.p)


def _mlp(sizes: list[int], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), nn.LayerNorm(n_out), nn.GELU(), SeededDropout(dropout)]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


class PredictionNet(nn.Module):
    """Encoder-decoder MLP predicting a target code from a source encoding.

    Parameters
    ----------
    n_in
        Width of the source encoding.
    n_out
        Width of the target code.
    hidden
        Hidden widths of the encoder; the decoder uses them in reverse.
    latent
        Latent width.
    dropout
        Dropout after every hidden layer and on the input.
    """

    def __init__(self, n_in: int, n_out: int, *, hidden: tuple[int, ...], latent: int, dropout: float) -> None:
        super().__init__()
        self.input_dropout = SeededDropout(dropout)
        self.encoder = _mlp([n_in, *hidden, latent], dropout)
        self.decoder = nn.Sequential(nn.GELU(), _mlp([latent, *reversed(hidden), n_out], dropout))
        self.register_buffer("in_mean", torch.zeros(n_in))
        self.register_buffer("in_std", torch.ones(n_in))
        self.register_buffer("out_scale", torch.ones(n_out))

    @classmethod
    def empty(cls, n_in: int, n_out: int, **kwargs) -> PredictionNet:
        """Build the network with uninitialised storage and without drawing from the global RNG; call
        :meth:`reset_parameters` and :meth:`set_scales`, or ``load_state_dict``, next."""
        with torch.device("meta"):
            net = cls(n_in, n_out, **kwargs)
        return net.to_empty(device="cpu")

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Initialise every linear layer as PyTorch does by default, drawing from ``generator``; dropout masks will
        come from the same generator."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
                bound = 1.0 / math.sqrt(module.in_features)
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
            elif isinstance(module, nn.LayerNorm):
                module.reset_parameters()
            elif isinstance(module, SeededDropout):
                module.generator = generator

    def set_scales(self, in_mean: torch.Tensor, in_std: torch.Tensor, out_scale: torch.Tensor) -> None:
        """Store the training source mean/sd and the per-dimension scale of the target code."""
        self.in_mean.copy_(in_mean)
        self.in_std.copy_(torch.clamp(in_std, min=1e-6))
        self.out_scale.copy_(torch.clamp(out_scale, min=1e-6))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_in)`` source encoding -> ``(batch, latent)``."""
        return self.encoder(self.input_dropout((x - self.in_mean) / self.in_std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_in)`` source encoding -> ``(batch, n_out)`` target code."""
        return self.decoder(self.encode(x)) * self.out_scale
