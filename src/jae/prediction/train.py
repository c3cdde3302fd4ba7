"""Training of the prediction network on the shared loop (:func:`jae.train.run_epochs`): AdamW on the MSE of
the target code, early stopping on a seeded validation split of the training cells, best weights kept; an
ensemble of members on seeded folds and a choice among dropout rates by their out-of-fold error."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import torch

from .._device import float32_default, resolve_device
from .._flags import bars_off
from .._launch import is_writer
from ..train.loop import autograd_on, cpu_threads, make_optimizer, run_epochs
from .config import PredictConfig
from .model import PredictionNet
from .split import validation_split

__all__ = [
    "Ensemble", "build_network", "dropout_candidates", "member_splits", "train_ensemble", "train_network",
    "predict_codes",
]

logger = logging.getLogger(__name__)


@float32_default()  # float32 layers and buffers whatever torch's default dtype
def build_network(n_in: int, n_out: int, config: PredictConfig, *, dropout: float | None = None) -> PredictionNet:
    """An uninitialised :class:`PredictionNet` shaped by ``config`` (dropout: the first candidate unless given)."""
    rate = dropout_candidates(config)[0] if dropout is None else dropout
    return PredictionNet.empty(n_in, n_out, hidden=tuple(config.hidden), latent=config.latent, dropout=rate)


def dropout_candidates(config: PredictConfig) -> tuple[float, ...]:
    """The dropout rates to try (one float in the config means no selection)."""
    return tuple(config.dropout) if isinstance(config.dropout, (tuple, list)) else (float(config.dropout),)


def member_splits(n_cells: int, config: PredictConfig, *, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fit/validation splits of the ensemble members.

    One member: a seeded ``val_fraction`` split. ``K > 1`` members: the cells in K seeded folds, member ``i``
    validating on fold ``i`` and training on the rest, so every training cell trains ``K - 1`` members and is
    validated once.

    Returns
    -------
    One ``(fit_idx, val_idx)`` pair of sorted int arrays per member.
    """
    if config.n_members == 1 or n_cells < 4:  # under 4 cells: refused by the split (n_members=1 would not help)
        return [validation_split(n_cells, config.val_fraction, seed=seed)]
    if n_cells < 2 * config.n_members:
        raise ValueError(
            f"{n_cells} training cells are too few for {config.n_members} ensemble members; pass more cells or "
            "config=PredictConfig(n_members=1)"
        )
    folds = np.array_split(np.random.default_rng(seed).permutation(n_cells), config.n_members)
    return [(np.sort(np.concatenate(folds[:i] + folds[i + 1 :])), np.sort(folds[i])) for i in range(config.n_members)]


@dataclass
class Ensemble:
    """Trained ensemble members and how they were chosen.

    Attributes
    ----------
    nets
        The members (eval mode); their mean prediction is the ensemble's.
    histories
        Per member, one dict per epoch: ``epoch``, ``train``, ``val`` (code MSE per cell).
    dropout
        The selected dropout rate.
    oof_mse
        Out-of-fold validation code MSE per cell of every candidate dropout rate.
    """

    nets: list[PredictionNet]
    histories: list[list[dict[str, float]]]
    dropout: float
    oof_mse: dict[float, float] = field(default_factory=dict)


def train_ensemble(
    S: np.ndarray,
    codes: np.ndarray,
    *,
    config: PredictConfig,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress_bar: bool = True,
) -> Ensemble:
    """Train ``config.n_members`` networks on the splits of :func:`member_splits`, for every candidate dropout rate,
    and keep the rate whose members have the lowest validation error over their held-out folds (with several
    members: the out-of-fold error over all training cells).

    Parameters
    ----------
    S
        ``(n_cells, n_inputs)`` float32 network input of the training cells.
    codes
        ``(n_cells, n_code_dims)`` float32 target codes.
    config
        Network and optimisation settings.
    seed
        Seeds the folds, and through :class:`numpy.random.SeedSequence` each member's ``torch.Generator``.
    device
        Where to train (``'auto'``: CUDA when available); the returned networks are on it.
    progress_bar
        Show one tqdm bar over the networks trained (members times dropout candidates), the current network's
        epoch and losses in its postfix (under torchrun, on process 0 only).

    Returns
    -------
    The :class:`Ensemble` of the selected dropout rate.
    """
    from tqdm.auto import tqdm

    device = resolve_device(device)
    splits = member_splits(S.shape[0], config, seed=seed)
    rates = dropout_candidates(config)
    results: dict[float, Ensemble] = {}
    oof: dict[float, float] = {}
    # the bar counts networks, not epochs: early stopping ends each after its own number of epochs, so a count of
    # epochs over all of them ('1156epoch') matched no epoch the log names ('early stop at epoch 216'), and a total
    # of epochs would only give a false ETA. The current network's epoch is in the postfix (see _NetworkBar).
    # under torchrun every process trains the whole predictor; process 0 alone draws the bar (as the joint model's)
    done, total = 0, len(rates) * len(splits)  # a disabled bar counts nothing: the log's network number is kept here
    bar = tqdm(total=total, desc="predict: training networks", unit="network",
               disable=not progress_bar or bars_off() or not is_writer(), leave=False)  # fmt: skip
    with cpu_threads(device), bar:
        for rate in rates:
            nets, histories, sse, n_val = [], [], 0.0, 0
            for i, (fit_idx, val_idx) in enumerate(splits):
                member_seed = int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0])
                net, history = train_network(  # the log names the network ('predict network 3/10: early stop ...')
                    S, codes, fit_idx=fit_idx, val_idx=val_idx, config=config, dropout=rate, seed=member_seed,
                    device=device, bar=_NetworkBar(bar), name=f"predict network {done + 1}/{total}",
                )
                bar.update(1)
                done += 1
                nets.append(net)
                histories.append(history)
                sse += min(h["val_total"] for h in history) * len(val_idx)
                n_val += len(val_idx)
            results[rate], oof[rate] = Ensemble(nets, histories, rate), sse / n_val
    best = min(oof, key=oof.get)
    if len(rates) > 1:
        shown = {k: round(v, 5) for k, v in oof.items()}
        logger.info("predict: out-of-fold code MSE by dropout %s -> dropout %g", shown, best)
    chosen = results[best]
    chosen.oof_mse = oof
    return chosen


class _NetworkBar:
    """What :func:`jae.train.run_epochs` advances once per epoch, for a bar that counts whole networks: the epochs of
    the network in training go to the bar's postfix (``epoch``, the number the log's 'early stop at epoch' names)."""

    def __init__(self, bar) -> None:
        self.bar, self.epoch = bar, 0

    def update(self, n: int = 1) -> None:
        self.epoch += n

    def set_postfix(self, values: dict) -> None:
        self.bar.set_postfix({"epoch": self.epoch, **values})


@float32_default()  # the optimiser's state too in float32 whatever torch's default dtype
@autograd_on()  # trained under a caller's torch.no_grad() or inference_mode() too
def train_network(
    S: np.ndarray,
    codes: np.ndarray,
    *,
    fit_idx: np.ndarray,
    val_idx: np.ndarray,
    config: PredictConfig,
    dropout: float,
    seed: int = 0,
    device: str | torch.device = "auto",
    bar=None,
    name: str = "predict",
) -> tuple[PredictionNet, list[dict[str, float]]]:
    """Fit one :class:`PredictionNet` from source encodings to target codes, with early stopping.

    Parameters
    ----------
    S
        ``(n_cells, n_inputs)`` float32 network input of the training cells.
    codes
        ``(n_cells, n_code_dims)`` float32 target codes (see :class:`jae.prediction.codec.TargetCodec`).
    fit_idx, val_idx
        Cells to train on and cells for early stopping.
    config
        Network and optimisation settings.
    dropout
        Dropout rate of this network.
    seed
        Seeds the initialisation, the batch order and dropout (one CPU ``torch.Generator``, whatever the device).
    device
        Where to train (``'auto'``: CUDA when available).
    bar
        A bar to advance by one per epoch trained (``update`` and ``set_postfix``), or None for none.
    name
        How the log names this network (e.g. ``'predict network 3/10: early stop at epoch 41'``).

    Returns
    -------
    ``(net, history)``: the network (on ``device``, eval mode) with the weights of the best validation epoch, and
    one dict per epoch with ``epoch``, ``total`` and ``val_total`` (mean squared error of the code per cell,
    summed over dims, on the fit and validation cells).
    """
    device = resolve_device(device)
    gen = torch.Generator().manual_seed(int(seed))
    X = torch.from_numpy(np.ascontiguousarray(S, dtype=np.float32))
    Y = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float32))
    X_fit, Y_fit, X_val, Y_val = X[fit_idx], Y[fit_idx], X[val_idx], Y[val_idx]

    net = build_network(X.shape[1], Y.shape[1], config, dropout=dropout)
    net.reset_parameters(gen)
    net.set_scales(X_fit.mean(0), X_fit.std(0), Y_fit.std(0))
    net.to(device)
    X_fit, Y_fit, X_val, Y_val = (t.to(device) for t in (X_fit, Y_fit, X_val, Y_val))
    opt = make_optimizer(net, lr=config.learning_rate, weight_decay=config.weight_decay, decoupled=True)

    def step(batch: torch.Tensor) -> dict[str, torch.Tensor]:
        loss = ((net(X_fit[batch]) - Y_fit[batch]) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return {"total": loss}

    history = run_epochs(
        net, step, n_train=len(fit_idx), batch_size=config.batch_size, generator=gen, max_epochs=config.max_epochs,
        validate=lambda: _code_mse(net, X_val, Y_val), patience=config.patience, desc=name, bar=bar,
        progress_bar=bar is not None, postfix={"dropout": dropout},
    )
    best = min(history, key=lambda h: h["val_total"])
    logger.debug("%s: %d epochs, best validation epoch %d (code MSE %.4g)", name, len(history), best["epoch"],
                 best["val_total"])  # fmt: skip
    return net, history


@torch.no_grad()
def _code_mse(net: PredictionNet, X: torch.Tensor, Y: torch.Tensor) -> float:
    return float(((net(X) - Y) ** 2).sum(1).mean())


@torch.no_grad()
def predict_codes(nets: list[PredictionNet], S: np.ndarray, *, batch_rows: int = 8192) -> np.ndarray:
    """Mean prediction of the trained networks on ``(n_cells, n_source_dims)`` encodings (on the networks' device).

    Returns
    -------
    ``(n_cells, n_code_dims)`` float32 array of predicted target codes.
    """
    device = nets[0].out_scale.device
    X = torch.from_numpy(np.ascontiguousarray(S, dtype=np.float32))
    out = torch.zeros((X.shape[0], nets[0].out_scale.shape[0]), dtype=torch.float32, device=device)
    for net in nets:
        net.eval()
        for start in range(0, X.shape[0], batch_rows):
            out[start : start + batch_rows] += net(X[start : start + batch_rows].to(device))
    return (out / len(nets)).cpu().numpy()
