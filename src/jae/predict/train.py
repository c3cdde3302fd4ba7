"""Training loop of the prediction network: AdamW on the MSE of the target code, early stopping on a seeded
validation split of the training cells, best weights kept."""

from __future__ import annotations

import copy
import logging
from contextlib import contextmanager

import numpy as np
import torch

from .config import PredictConfig
from .model import PredictionNet
from .split import validation_split

__all__ = ["build_network", "member_splits", "train_ensemble", "train_network", "predict_codes"]

logger = logging.getLogger(__name__)


@contextmanager
def single_thread():
    """Run CPU training with one intra-op thread, restoring the caller's setting after: mini-batches this small
    gain nothing from more threads and slow down badly when the cores are shared."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _adamw(net: torch.nn.Module, config: PredictConfig) -> torch.optim.AdamW:
    """AdamW, with the fused CPU kernel where this torch build has it."""
    kwargs = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    try:
        return torch.optim.AdamW(net.parameters(), fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(net.parameters(), **kwargs)


def build_network(n_in: int, n_out: int, config: PredictConfig) -> PredictionNet:
    """An uninitialised :class:`PredictionNet` shaped by ``config``."""
    return PredictionNet.empty(n_in, n_out, hidden=tuple(config.hidden), latent=config.latent, dropout=config.dropout)


def member_splits(n_cells: int, config: PredictConfig, *, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fit/validation splits of the ensemble members.

    One member: a seeded ``val_fraction`` split. ``K > 1`` members: the cells in K seeded folds, member ``i``
    validating on fold ``i`` and training on the rest, so every training cell trains ``K - 1`` members.

    Returns
    -------
    One ``(fit_idx, val_idx)`` pair of sorted int arrays per member.
    """
    if config.n_members == 1:
        return [validation_split(n_cells, config.val_fraction, seed=seed)]
    if n_cells < 2 * config.n_members:
        raise ValueError(
            f"{n_cells} training cells are too few for {config.n_members} ensemble members; pass more cells or "
            "config=PredictConfig(n_members=1)"
        )
    folds = np.array_split(np.random.default_rng(seed).permutation(n_cells), config.n_members)
    return [(np.sort(np.concatenate(folds[:i] + folds[i + 1 :])), np.sort(folds[i])) for i in range(config.n_members)]


def train_ensemble(
    S: np.ndarray, codes: np.ndarray, *, config: PredictConfig, seed: int = 0, progress_bar: bool = True
) -> tuple[list[PredictionNet], list[list[dict[str, float]]]]:
    """Train ``config.n_members`` networks on the splits of :func:`member_splits`; their mean is the prediction.

    Returns
    -------
    ``(nets, histories)``: one trained network and one per-epoch history per member.
    """
    nets, histories = [], []
    with single_thread():
        for i, (fit_idx, val_idx) in enumerate(member_splits(S.shape[0], config, seed=seed)):
            member_seed = int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0])
            net, history = train_network(
                S, codes, fit_idx=fit_idx, val_idx=val_idx, config=config, seed=member_seed, progress_bar=progress_bar
            )
            nets.append(net)
            histories.append(history)
    return nets, histories


def train_network(
    S: np.ndarray,
    codes: np.ndarray,
    *,
    fit_idx: np.ndarray,
    val_idx: np.ndarray,
    config: PredictConfig,
    seed: int = 0,
    progress_bar: bool = True,
) -> tuple[PredictionNet, list[dict[str, float]]]:
    """Fit a :class:`PredictionNet` from source encodings to target codes.

    Parameters
    ----------
    S
        ``(n_cells, n_source_dims)`` float32 source encoding of the training cells.
    codes
        ``(n_cells, n_code_dims)`` float32 target codes (see :class:`jae.predict.codec.TargetCodec`).
    fit_idx, val_idx
        Cells to train on and cells for early stopping.
    config
        Network and optimisation settings.
    seed
        Seeds the initialisation, the batch order and dropout (one ``torch.Generator``).
    progress_bar
        Show one tqdm bar ticking per epoch.

    Returns
    -------
    ``(net, history)``: the network in eval mode with the weights of the best validation epoch, and one dict per
    epoch with ``epoch``, ``train`` and ``val`` (mean squared error of the code per cell, summed over dims).
    """
    from tqdm.auto import tqdm

    gen = torch.Generator().manual_seed(int(seed))
    X = torch.from_numpy(np.ascontiguousarray(S, dtype=np.float32))
    Y = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float32))
    X_fit, Y_fit, X_val, Y_val = X[fit_idx], Y[fit_idx], X[val_idx], Y[val_idx]

    net = build_network(X.shape[1], Y.shape[1], config)
    net.reset_parameters(gen)
    net.set_scales(X_fit.mean(0), X_fit.std(0), Y_fit.std(0))
    opt = _adamw(net, config)

    best, best_state, since_best, history = float("inf"), copy.deepcopy(net.state_dict()), 0, []
    bar = tqdm(range(config.max_epochs), desc="predict: training", disable=not progress_bar, leave=False)
    for epoch in bar:
        net.train()
        total = 0.0
        for batch in torch.randperm(len(fit_idx), generator=gen).split(config.batch_size):
            loss = ((net(X_fit[batch]) - Y_fit[batch]) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        val = _code_mse(net, X_val, Y_val)
        history.append({"epoch": epoch + 1, "train": total / len(fit_idx), "val": val})
        bar.set_postfix(train=f"{history[-1]['train']:.4g}", val=f"{val:.4g}")
        if val < best:
            best, best_state, since_best = val, copy.deepcopy(net.state_dict()), 0
        else:
            since_best += 1
            if since_best >= config.patience:
                break
    bar.close()
    net.load_state_dict(best_state)
    net.eval()
    best_epoch = min(history, key=lambda h: h["val"])["epoch"]
    logger.info("predict: %d epochs, best validation epoch %d (code MSE %.4g)", len(history), best_epoch, best)
    return net, history


@torch.no_grad()
def _code_mse(net: PredictionNet, X: torch.Tensor, Y: torch.Tensor) -> float:
    net.eval()
    return float(((net(X) - Y) ** 2).sum(1).mean())


@torch.no_grad()
def predict_codes(nets: list[PredictionNet], S: np.ndarray, *, batch_rows: int = 8192) -> np.ndarray:
    """Mean prediction of the trained networks on ``(n_cells, n_source_dims)`` encodings.

    Returns
    -------
    ``(n_cells, n_code_dims)`` float32 array of predicted target codes.
    """
    X = torch.from_numpy(np.ascontiguousarray(S, dtype=np.float32))
    out = torch.zeros((X.shape[0], nets[0].out_scale.shape[0]))
    for net in nets:
        net.eval()
        for start in range(0, X.shape[0], batch_rows):
            out[start : start + batch_rows] += net(X[start : start + batch_rows])
    return (out / len(nets)).numpy()
