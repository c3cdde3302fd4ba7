"""The training loop, readable top to bottom: minibatches from a device-resident tensor, early stopping."""

from __future__ import annotations

import copy
import logging
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..config import JAEConfig
from ..model import BatchAdversary, JAENetwork, LatentLayout, adversary_step_loss, jae_loss

__all__ = ["Stage", "train_network", "split_validation", "resolve_device"]

logger = logging.getLogger(__name__)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``'auto'`` -> CUDA when available, else CPU; anything else is passed to :class:`torch.device`."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def split_validation(n: int, fraction: float, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``range(n)`` into (train, validation) indices; validation gets ``round(n * fraction)``.

    At least one cell stays on each side when ``n >= 2``.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_val = int(round(n * fraction))
    n_val = min(max(n_val, 1 if n >= 2 else 0), n - 1) if n >= 2 else 0
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@contextmanager
def _cpu_threads(device: torch.device, n: int = 1):
    """Run CPU training single-threaded, restoring the caller's setting afterwards.

    Minibatches of the seed's size (32 cells x a few hundred features) are far too small to split across
    threads: measured on 2 cores, 2 intra-op threads were no faster when idle and 13x slower when the machine
    was busy (11.6 vs 154 ms per step), from threads waiting on each other.
    """
    if device.type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _adam(network: torch.nn.Module, *, lr: float, weight_decay: float) -> torch.optim.Adam:
    """Adam with the fused kernel where this torch has it (about 25% faster per step on CPU), else plain."""
    try:
        return torch.optim.Adam(network.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(network.parameters(), lr=lr, weight_decay=weight_decay)


@dataclass(frozen=True)
class _Adversary:
    """The batch classifier and its own optimiser (it never shares the network's)."""

    classifier: BatchAdversary
    optimizer: torch.optim.Optimizer


@dataclass(frozen=True)
class Stage:
    """One training stage: pretraining (all loss terms, early stopping) or fine-tuning (reconstruction only)."""

    name: str
    lr: float
    max_epochs: int
    reconstruction_only: bool
    patience: int | None = None  # early stopping on the validation loss when a validation set is given


def _batches(n: int, batch_size: int, generator: torch.Generator, device: torch.device):
    order = torch.randperm(n, generator=generator).to(device)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        if idx.numel() >= 2:  # batch norm needs two cells; a lone trailing cell waits for the next epoch
            yield idx


def _condition(network: JAENetwork, batch: torch.Tensor | None) -> torch.Tensor | None:
    """The decoder's batch one-hot (zeros for code -1, a batch outside the reference); None without one."""
    if not network.n_condition or batch is None:
        return None
    onehot = torch.nn.functional.one_hot(batch.clamp(min=0), network.n_condition).to(torch.float32)
    return onehot * (batch >= 0).unsqueeze(1)


@torch.no_grad()
def _evaluate(network, X, layout, config, stage, cell_type, phase, batch, batch_size=4096) -> float:
    """Mean validation loss (the adversary's term is left out: its classifier moves every step)."""
    network.eval()
    total, n = 0.0, X.shape[0]
    for start in range(0, n, batch_size):
        sl = slice(start, start + batch_size)
        z, recon = network(X[sl], _condition(network, None if batch is None else batch[sl]))
        parts = jae_loss(
            z, recon, X[sl], layout=layout, config=config,
            cell_type=None if cell_type is None else cell_type[sl],
            phase=None if phase is None else phase[sl],
            reconstruction_only=stage.reconstruction_only,
        )
        total += float(parts["total"]) * (min(n, start + batch_size) - start)
    return total / max(n, 1)


def train_network(
    network: JAENetwork,
    X: torch.Tensor,
    *,
    layout: LatentLayout,
    config: JAEConfig,
    stage: Stage,
    seed: int,
    cell_type: torch.Tensor | None = None,
    phase: torch.Tensor | None = None,
    batch: torch.Tensor | None = None,
    val_idx: np.ndarray | None = None,
    progress_bar: bool = True,
) -> pd.DataFrame:
    """Train ``network`` in place for one stage; returns the per-epoch history.

    Parameters
    ----------
    network
        The autoencoder, already on ``X.device``.
    X
        ``(n_cells, n_input)`` float32 features on the training device.
    cell_type, phase
        Per-cell targets (see :func:`jae.model.jae_loss`), on the same device, or None.
    batch
        ``(n_cells,)`` int64 batch codes (``-1``: a batch outside the reference) for the decoder's condition and
        the batch adversary (``config.w_adversary > 0``), or None.
    val_idx
        Cells held out for early stopping (pretraining); None trains on all cells for ``max_epochs``.
    seed
        Seeds the minibatch order (dropout is seeded by the caller's forked RNG).

    Returns
    -------
    DataFrame with one row per epoch: stage, epoch, the mean of each loss term, and ``val_total`` when
    validating. With early stopping the network ends at its best validation epoch.
    """
    device = X.device
    n = X.shape[0]
    use_adversary = (
        config.w_adversary > 0 and batch is not None and layout.n_batch >= 2 and not stage.reconstruction_only
    )
    if not (network.n_condition or use_adversary):
        batch = None  # nothing reads it: no per-step gather of batch codes
    train_idx = torch.arange(n, device=device)
    if val_idx is not None and len(val_idx):
        keep = np.ones(n, dtype=bool)
        keep[val_idx] = False
        train_idx = torch.as_tensor(np.flatnonzero(keep), device=device)
        val_t = torch.as_tensor(val_idx, device=device)
        X_val = X[val_t]
        ct_val = None if cell_type is None else cell_type[val_t]
        ph_val = None if phase is None else phase[val_t]
        b_val = None if batch is None else batch[val_t]
    else:
        val_idx = None
    optimizer = _adam(network, lr=stage.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    adversary = None
    if use_adversary:
        classifier = BatchAdversary(layout.dim, layout.n_batch).to(device)
        adversary = _Adversary(classifier, _adam(classifier, lr=stage.lr, weight_decay=0.0))

    with _cpu_threads(device):
        history = _epochs(
            network, X, train_idx, optimizer, generator, layout=layout, config=config, stage=stage,
            cell_type=cell_type, phase=phase, batch=batch, adversary=adversary,
            validation=None if val_idx is None else (X_val, ct_val, ph_val, b_val), progress_bar=progress_bar,
        )
    if history:
        last = history[-1]
        logger.info(
            "%s: %d epochs, %s", stage.name, len(history),
            ", ".join(f"{k} {v:.4f}" for k, v in last.items() if isinstance(v, float)),
        )
    return pd.DataFrame(history)


def _epochs(
    network, X, train_idx, optimizer, generator, *, layout, config, stage, cell_type, phase, batch, adversary,
    validation, progress_bar,
):
    from tqdm.auto import tqdm

    device = X.device
    history, best, best_state, bad_epochs = [], np.inf, None, 0
    bar = tqdm(range(stage.max_epochs), desc=f"jae {stage.name}", disable=not progress_bar, leave=False)
    for epoch in bar:
        network.train()
        sums: dict[str, float] = {}
        n_seen = 0
        for local in _batches(len(train_idx), config.batch_size, generator, device):
            idx = train_idx[local]
            xb = X[idx]
            bb = None if batch is None else batch[idx]
            z, recon = network(xb, _condition(network, bb))
            parts = jae_loss(
                z, recon, xb, layout=layout, config=config,
                cell_type=None if cell_type is None else cell_type[idx],
                phase=None if phase is None else phase[idx],
                adversary_logits=None if adversary is None else adversary.classifier(z),
                reconstruction_only=stage.reconstruction_only,
            )
            optimizer.zero_grad(set_to_none=True)
            parts["total"].backward()
            optimizer.step()
            if adversary is not None:  # the classifier learns from the latent; its grads above are discarded
                adversary.optimizer.zero_grad(set_to_none=True)
                parts["adversary_fit"] = adversary_step_loss(adversary.classifier, z, bb)
                parts["adversary_fit"].backward()
                adversary.optimizer.step()
            for k, v in parts.items():  # detached sums stay on the device: no host sync per step
                sums[k] = sums.get(k, 0.0) + v.detach() * idx.numel()
            n_seen += idx.numel()
        row = {"stage": stage.name, "epoch": epoch + 1}
        row.update({k: float(v) / max(n_seen, 1) for k, v in sums.items()})
        if validation is not None:
            row["val_total"] = _evaluate(network, *validation[:1], layout, config, stage, *validation[1:])
        history.append(row)
        bar.set_postfix({k: f"{v:.4f}" for k, v in row.items() if k in ("total", "val_total")})
        if validation is not None and stage.patience is not None:
            if row["val_total"] < best - 1e-7:
                best, bad_epochs = row["val_total"], 0
                best_state = copy.deepcopy(network.state_dict())
            else:
                bad_epochs += 1
                if bad_epochs >= stage.patience:
                    logger.info("%s: early stop at epoch %d (best validation loss %.5f)", stage.name, epoch + 1, best)
                    break
    bar.close()
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return history
