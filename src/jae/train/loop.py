"""The one training loop of jae, shared by the joint model and the modality predictor.

Seeded minibatches, one optimiser step per batch (done by the caller's ``step``), per-epoch mean losses, a
validation loss, early stopping with the best weights kept, one progress bar, and single-threaded CPU work.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import torch

__all__ = ["autograd_on", "cpu_threads", "make_optimizer", "run_epochs", "seeded_rng", "split_validation"]

logger = logging.getLogger(__name__)


def split_validation(
    n: int, fraction: float, *, seed: int, min_val: int = 1, max_val: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``range(n)`` into sorted (train, validation) indices.

    The validation side gets ``round(n * fraction)`` cells, at least ``min_val`` and at most ``max_val`` (default
    ``n - 1``), so at least one cell stays on each side when ``n >= 2``; drawn by
    ``np.random.default_rng(seed).permutation(n)``.
    """
    order = np.random.default_rng(seed).permutation(n)
    if n < 2:
        return np.sort(order), np.sort(order[:0])
    n_val = min(max(int(round(n * fraction)), min_val), n - 1 if max_val is None else max_val)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@contextmanager
def cpu_threads(device: torch.device, n: int = 1):
    """Run CPU training with ``n`` intra-op threads, restoring the caller's setting afterwards.

    Minibatches of the models' sizes (32-128 cells x a few hundred features) are far too small to split across
    threads: measured on 2 cores, 2 intra-op threads were no faster when idle and 13x slower when the machine
    was busy (11.6 vs 154 ms per step), from threads waiting on each other.
    """
    if torch.device(device).type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def autograd_on():
    """Autograd on inside the block (also a decorator), whatever the caller's ``torch.no_grad()``,
    ``torch.set_grad_enabled(False)`` or ``torch.inference_mode()``; the caller's mode again after it. Training under
    them stopped at its first step ('element 0 of tensors does not require grad'), after all the preprocessing."""
    with torch.inference_mode(False), torch.enable_grad():
        yield


@contextmanager
def seeded_rng(device: torch.device | str, seed: int):
    """Inside the block, torch's global generators of the CPU and of ``device`` (the one a network trained there draws
    its initial weights and dropout masks from) start from ``seed``; after it, they are as they were.

    No other generator is seeded: ``torch.manual_seed`` seeds every GPU's (or, before CUDA starts, queues that over the
    caller's own ``torch.manual_seed``), and a fork puts back only the devices it names, so a model on the CPU or on one
    of several GPUs reseeded the others for the rest of the process.
    """
    device = torch.device(device)
    mps_state = torch.mps.get_rng_state() if device.type == "mps" else None
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.random.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(device):  # the model's GPU (its index, else the current one), as the fork saved
                torch.cuda.manual_seed(seed)
        elif device.type == "mps":
            torch.mps.manual_seed(seed)
        try:
            yield
        finally:
            if mps_state is not None:
                torch.mps.set_rng_state(mps_state)


def make_optimizer(
    module: torch.nn.Module, *, lr: float, weight_decay: float, decoupled: bool = False
) -> torch.optim.Optimizer:
    """Adam (``decoupled=True``: AdamW) with the fused kernel where this torch has it (about 25% faster per step
    on CPU), else the plain one."""
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    try:
        return cls(module.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return cls(module.parameters(), lr=lr, weight_decay=weight_decay)


class _Order:
    """The seeded order of the training positions, one ``torch.randperm`` per pass, handed out ``cells`` at a time.

    With ``cells >= n`` every call is one whole pass (one permutation per epoch, as before rounds existed); with
    fewer, successive calls take successive slices of the same permutation, so every cell is still seen once per
    pass, and the next permutation is drawn when a pass is used up (the last slice of a pass may be shorter).
    """

    def __init__(self, n: int, cells: int | None, generator: torch.Generator, device: torch.device):
        self.n, self.generator, self.device = n, generator, device
        self.cells = n if cells is None else max(1, min(int(cells), n))
        self.order, self.pos = None, n

    def next(self) -> torch.Tensor:
        if self.pos >= self.n:
            self.order, self.pos = torch.randperm(self.n, generator=self.generator).to(self.device), 0
        part = self.order[self.pos:self.pos + self.cells]
        self.pos += self.cells
        return part


def _batches(order: torch.Tensor, batch_size: int, min_size: int, parallel=None):
    n = order.numel()
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        if idx.numel() < min_size:  # batch norm needs two cells: a lone trailing cell waits for the next epoch
            continue
        if parallel is None:
            yield idx
        elif idx.numel() >= parallel.world_size:  # every process steps on each minibatch, with its share (>= 1 cell)
            yield parallel.share(idx)


def run_epochs(
    network: torch.nn.Module,
    step: Callable[[torch.Tensor], dict[str, torch.Tensor]],
    *,
    n_train: int,
    batch_size: int,
    generator: torch.Generator,
    max_epochs: int,
    validate: Callable[[], float] | None = None,
    patience: int | None = None,
    min_batch: int = 1,
    row: dict | None = None,
    desc: str = "jae",
    progress_bar: bool = True,
    bar=None,
    postfix: dict | None = None,
    parallel=None,
    epoch_cells: int | None = None,
    round_tolerance: float = 0.0,
    epoch_tolerance: float = 0.0,
    diverged: str = "lower the learning rate and train again",
) -> list[dict]:
    """Train ``network`` in place for up to ``max_epochs`` epochs; returns one history row per epoch.

    Parameters
    ----------
    network
        The module trained (train mode during steps, eval mode for validation and at the end).
    step
        Called with each minibatch's ``(batch,)`` int64 positions in ``range(n_train)`` (on the network's device,
        in a seeded order); computes the loss, steps the optimiser(s) and returns the named loss terms (scalar
        tensors, ``'total'`` among them).
    n_train, batch_size, generator
        Training positions, minibatch size and the generator of the order (one ``torch.randperm`` per epoch).
    max_epochs
        Epoch limit.
    validate
        The validation loss (called each epoch in eval mode), or None.
    patience
        With ``validate``: stop after this many epochs without a better validation loss and restore the weights
        of the best epoch. None: train ``max_epochs``.
    min_batch
        Minibatches smaller than this are skipped (2 for batch norm).
    row
        Leading entries of every history row (e.g. the stage's name).
    desc, progress_bar
        The progress bar's label, and whether to show it.
    bar
        An open tqdm bar to advance by one per epoch instead (it is not closed here), or None.
    postfix
        Extra entries of the bar's postfix.
    parallel
        This process's :class:`jae.train.distributed.DataParallel` when training data-parallel (``step`` then runs
        the wrapped network), else None. Every process draws the same order and cuts the same minibatches of
        ``batch_size``, takes its share of each (batch norm is synchronised, so ``min_batch`` applies to the whole
        minibatch; one with fewer cells than processes is skipped by all) and steps with the others; the history's
        means are over all processes; ``validate`` should return the loss over all processes (process 0's value is
        used); batch-norm buffers are set to process 0's before each validation and at the end.
    epoch_cells
        Most training cells per epoch (None: all ``n_train``). Above it an epoch is a *round*: the next
        ``epoch_cells`` cells of the current pass's seeded order, followed by validation, so ``patience`` and
        ``max_epochs`` count rounds of the same size however large the data (every cell is still seen once per
        pass). At or below it nothing changes: one permutation per epoch, the same draws.
    round_tolerance
        With ``patience``, when epochs are rounds: a round resets the patience count only when its validation loss is
        below that of the last such round by more than this fraction of it, so a loss that keeps falling by a few
        hundredths of a percent per round stops. The weights kept are those of the lowest validation loss either way.
    epoch_tolerance
        The same bar for whole epochs (0: the any-decrease rule); where epochs are rounds the larger of the two
        applies.
    diverged
        The fix named when an epoch's mean training (or validation) loss is not finite: the training diverged, so a
        ``ValueError`` stops it there (its network would hold NaN weights), naming the epoch and this fix.

    Returns
    -------
    One dict per epoch: ``row``'s entries, ``epoch``, the minibatch-size-weighted mean of each loss term, and
    ``val_total`` when validating (the same rows on every process when data-parallel).
    """
    from .distributed import given_or_own_bar

    device = next(network.parameters()).device
    own_bar = bar is None
    history, best, best_state, bad_epochs = [], np.inf, None, 0
    order = _Order(n_train, epoch_cells, generator, device)
    tolerance = max(round_tolerance if order.cells < n_train else 0.0, epoch_tolerance)
    mark = np.inf  # the validation loss of the last epoch that reset the patience count
    smallest = max(min_batch, 1 if parallel is None else parallel.world_size)
    if max_epochs > 0 and n_train < smallest:  # every minibatch would be skipped: not one step in any epoch
        logger.warning("%s: %d training cells, fewer than the %d one minibatch needs, so no training step is taken and "
                       "the network keeps its starting weights; train on more cells (a fit: a larger reference, or a "
                       "smaller JAEConfig(val_fraction))", desc, n_train, smallest)
    elif max_epochs > 0 and order.cells < smallest:  # rounds too small for a minibatch: the same, however many cells
        logger.warning("%s: rounds of %d training cells (epoch_cells) are fewer than the %d one minibatch needs, so no "
                       "training step is taken and the network keeps its starting weights; raise JAEConfig(epoch_cells)",
                       desc, order.cells, smallest)
    elif max_epochs > 0 and batch_size < smallest:  # JAEConfig(batch_size=1): each minibatch of one cell is skipped
        logger.warning("%s: minibatches of %d cells (batch_size) are fewer than the %d one needs, so no training step "
                       "is taken and the network keeps its starting weights; set JAEConfig(batch_size=%d) or more", desc,
                       batch_size, smallest, smallest)
    if order.cells < n_train:
        logger.info("%s: an epoch is a round of %d of the %d training cells (epoch_cells), so validation and early "
                    "stopping come every %d cells", desc, order.cells, n_train, order.cells)
    # the project's one bar helper: drawn by process 0 alone (draws_bar), closed however the loop ends
    with given_or_own_bar(bar, total=max_epochs, desc=desc, progress_bar=progress_bar) as bar:
        for epoch in range(max_epochs):
            network.train()
            sums: dict[str, torch.Tensor] = {}
            n_seen = 0
            for idx in _batches(order.next(), batch_size, min_batch, parallel):
                for k, v in step(idx).items():  # detached sums stay on the device: no host sync per step
                    sums[k] = sums.get(k, 0.0) + v.detach() * idx.numel()
                n_seen += idx.numel()
            if parallel is not None:
                sums, n_seen = _sum_over_processes(parallel, sums, n_seen, device)
            entry = {**(row or {}), "epoch": epoch + 1}
            entry.update({k: float(v) / max(n_seen, 1) for k, v in sums.items()})
            if validate is not None:
                network.eval()
                if parallel is not None:
                    parallel.sync_buffers(network)
                    entry["val_total"] = parallel.broadcast(float(validate()))
                else:
                    entry["val_total"] = float(validate())
            _check_finite(entry, desc, diverged)
            history.append(entry)
            bar.update(1)
            bar.set_postfix({**(postfix or {}), **{k: f"{v:.4g}" for k, v in entry.items() if k in ("total", "val_total")}})
            if validate is not None and patience is not None:
                if entry["val_total"] < best - 1e-7:
                    best = entry["val_total"]
                    best_state = copy.deepcopy(network.state_dict())
                if entry["val_total"] < (mark - max(1e-7, tolerance * abs(mark)) if mark < np.inf else np.inf):
                    mark, bad_epochs = entry["val_total"], 0
                else:
                    bad_epochs += 1
                    if bad_epochs >= patience:
                        logger.info("%s: early stop at epoch %d (best validation loss %.5g)", desc, epoch + 1, best)
                        if own_bar:  # done, not cut short: tqdm's notebook bar left a bar short of its total red
                            bar.total = bar.n
                        break
    if best_state is not None:
        network.load_state_dict(best_state)
    elif parallel is not None:
        parallel.sync_buffers(network)
    network.eval()
    return history


def _check_finite(entry: dict, desc: str, fix: str) -> None:
    """Refuse an epoch whose mean training or validation loss is NaN or infinite (the same on every process)."""
    for key in ("total", "val_total"):
        value = entry.get(key)
        if value is not None and not np.isfinite(value):
            what = "training" if key == "total" else "validation"
            raise ValueError(f"{desc}: the {what} loss is {value} at epoch {entry['epoch']}, so the training diverged "
                             f"(its weights are no longer numbers); {fix}")


def _sum_over_processes(parallel, sums: dict, n_seen: int, device) -> tuple[dict, int]:
    """The epoch's loss sums and cell count over all processes (one collective; the same keys on every one), in the
    order ``step`` named them, as one process's history has them."""
    keys = sorted(sums)
    local = torch.stack([torch.as_tensor(sums[k], dtype=torch.float64, device=device).reshape(()) for k in keys]
                        + [torch.tensor(float(n_seen), dtype=torch.float64, device=device)])
    total = dict(zip(keys + [None], parallel.sum(local)))
    return {k: total[k] for k in sums}, int(round(float(total[None])))

