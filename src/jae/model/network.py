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
    linear_path
        Add a linear map from the input to the latent and from the latent to the output beside the non-linear
        encoder and decoder; :meth:`start_at_pca` then starts the network at a PCA of the training features.
    """

    @classmethod
    def from_config(cls, config, n_input: int, layout) -> "JAENetwork":
        """The network that ``config`` (a :class:`jae.JAEConfig`) and ``layout`` (a :class:`LatentLayout`)
        describe for ``n_input`` features: the one constructor used by fitting and by loading a saved model."""
        return cls(
            n_input, layout.dim, hidden=config.hidden, dropout=config.dropout, batch_norm=config.batch_norm,
            n_condition=layout.n_batch if config.decoder_batch else 0, linear_path=config.pca_init,
        )

    def __init__(
        self, n_input: int, n_latent: int, *, hidden: tuple[int, ...], dropout: float, batch_norm: bool,
        n_condition: int = 0, linear_path: bool = False,
    ) -> None:
        super().__init__()
        self.n_input = int(n_input)
        self.n_condition = int(n_condition)
        self.linear_path = bool(linear_path)
        if self.linear_path:
            self.encoder_linear = nn.Linear(n_input, n_latent)
            self.decoder_linear = nn.Linear(n_latent, n_input)
        widths = [n_input, *hidden]
        self.encoder_blocks = nn.Sequential(
            *[_ResidualBlock(a, b, dropout=dropout, batch_norm=batch_norm) for a, b in zip(widths[:-1], widths[1:])]
        )
        self.to_latent = nn.Linear(widths[-1], n_latent)
        self.decoder = _mlp(
            [n_latent + self.n_condition, *reversed(hidden), n_input], dropout=dropout, batch_norm=batch_norm
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent ``(n, n_latent)`` of features ``(n, n_input)`` (other shapes are refused in one line)."""
        if x.dim() != 2 or x.shape[1] != self.n_input:  # else torch's 'mat1 and mat2 shapes cannot be multiplied'
            raise ValueError(f"features have shape {tuple(x.shape)}: this network reads (n_cells, {self.n_input}), the "
                             "model's transformed features (model.preprocessor.transform of each modality's counts)")
        z = self.to_latent(self.encoder_blocks(x))
        return z + self.encoder_linear(x) if self.linear_path else z

    @torch.no_grad()
    def start_at_pca(self, mean: torch.Tensor, axes: torch.Tensor, units: slice) -> None:
        """Start as a PCA: latent ``units`` = ``axes @ (x - mean)``, output = ``mean + axes.T @ latent[units]``.

        ``axes`` is ``(k, n_input)`` with orthonormal rows (the top principal axes of the training features) and
        ``units`` a slice of ``k`` latent units. The non-linear branches' last layers start at zero, so training
        departs from the PCA only where that lowers the loss.
        """
        if not self.linear_path:
            raise ValueError("start_at_pca needs a network built with linear_path=True")
        k = units.stop - units.start
        if axes.shape != (k, self.encoder_linear.in_features):
            raise ValueError(f"axes have shape {tuple(axes.shape)}, expected ({k}, {self.encoder_linear.in_features})")
        for layer in (self.encoder_linear, self.decoder_linear, self.to_latent, self.decoder[-1]):
            layer.weight.zero_()
            layer.bias.zero_()
        self.encoder_linear.weight[units] = axes
        self.encoder_linear.bias[units] = -(axes @ mean)
        self.decoder_linear.weight[:, units] = axes.T
        self.decoder_linear.bias.copy_(mean)

    def start_at_pca_of(self, X, rows, units: slice, *, chunk: int = 65536, principal=None) -> None:
        """:meth:`start_at_pca` at the top principal axes of ``X[rows]`` (``JAEConfig.pca_init``), given to ``units``.

        The axes come from the eigenvectors of the features' covariance, accumulated over row chunks, so memory
        stays at one chunk plus a ``(n_features, n_features)`` matrix however many cells there are; ``principal``:
        :func:`jae.model.readout.principal_axes` of the same rows already computed (at least as many axes).
        """
        import numpy as np

        from .readout import principal_axes

        n_units = units.stop - units.start
        mean, top = principal if principal is not None else principal_axes(X, n_units, rows=rows, chunk=chunk)
        top = top[:n_units]
        axes = np.zeros((n_units, X.shape[1]))
        axes[: len(top)] = top
        device = self.encoder_linear.weight.device
        self.start_at_pca(torch.as_tensor(mean.astype(np.float32), device=device),
                          torch.as_tensor(axes.astype(np.float32), device=device), units)

    def decode(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Reconstruct the input from the latent ``(n, n_latent)`` (and the condition; zeros when it is None)."""
        if z.dim() != 2 or z.shape[1] != self.to_latent.out_features:
            raise ValueError(f"latent has shape {tuple(z.shape)}: this network decodes (n_cells, "
                             f"{self.to_latent.out_features}), the whole latent (model.latent), not the embedding")
        if not self.n_condition:
            out = self.decoder(z)
        else:
            if condition is None:
                condition = z.new_zeros(z.shape[0], self.n_condition)
            elif condition.shape != (z.shape[0], self.n_condition):
                raise ValueError(
                    f"condition has shape {tuple(condition.shape)}, expected ({z.shape[0]}, {self.n_condition})"
                )
            out = self.decoder(torch.cat([z, condition], dim=1))
        return out + self.decoder_linear(z) if self.linear_path else out

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(latent, reconstruction)``."""
        z = self.encode(x)
        return z, self.decode(z, condition)
