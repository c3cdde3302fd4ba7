"""Training of the joint autoencoder, one stage at a time: its loss and batch adversary on the shared loop
(:func:`jae.train.loop.run_epochs`: seeded minibatches from a device-resident tensor, early stopping), data-parallel
under ``torchrun`` (:mod:`jae.train.distributed`)."""

from __future__ import annotations

import functools
import logging
import math
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .._words import count
from ..config import JAEConfig
from ..model import BatchAdversary, JAENetwork, LatentLayout, adversary_step_loss, jae_loss
from ..model.loss import type_weights
from .distributed import data_parallel
from .loop import cpu_threads, make_optimizer, run_epochs, seeded_rng

__all__ = ["MIN_STEPS_PER_EPOCH", "Stage", "batch_scale", "check_features", "train_network", "unchanged_on_failure",
           "unfitted_on_failure"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Adversary:
    """The batch classifier and its own optimiser (it never shares the network's); ``fit``: the module its own
    steps call (the classifier, or its data-parallel wrapper)."""

    classifier: BatchAdversary
    optimizer: torch.optim.Optimizer
    fit: torch.nn.Module


#: The batch-size rule (:func:`batch_scale`) leaves at least this many minibatch steps in every epoch (or round).
MIN_STEPS_PER_EPOCH = 500


def batch_scale(cells_per_epoch: int, batch_size: int, max_scale: int) -> int:
    """The factor ``k`` of the batch-size rule: the largest power of two up to ``max_scale`` that leaves at least
    :data:`MIN_STEPS_PER_EPOCH` steps of ``batch_size * k`` cells in an epoch of ``cells_per_epoch`` cells (1 when
    no larger one does). Every shared data set (at most about 10,000 cells) gets 1."""
    k = 1
    while 2 * k <= max_scale and cells_per_epoch >= MIN_STEPS_PER_EPOCH * batch_size * 2 * k:
        k *= 2
    return k


@dataclass(frozen=True)
class Stage:
    """One training stage: pretraining (all loss terms, early stopping) or fine-tuning (reconstruction only)."""

    name: str
    lr: float
    max_epochs: int
    reconstruction_only: bool
    patience: int | None = None  # early stopping on the validation loss when a validation set is given
    epoch_cells: int | None = None  # most training cells per epoch (a round; see jae.train.loop.run_epochs)
    round_tolerance: float = 0.0  # relative fall of the validation loss that resets the patience count (rounds only)
    epoch_tolerance: float = 0.0  # the same for whole epochs (JAEConfig.epoch_tolerance_unsupervised)
    batch_size: int | None = None  # cells per optimiser step; None: the config's

    @classmethod
    def pretraining(cls, config: JAEConfig, n_train: int) -> "Stage":
        """Pretraining on ``n_train`` cells: the config's settings, with the batch-size rule (``k`` of
        :func:`batch_scale` for the cells of one epoch or round): batch ``config.batch_size * k``, learning rate
        ``config.lr * sqrt(k)``."""
        k = batch_scale(min(n_train, config.epoch_cells), config.batch_size, config.max_batch_scale)
        if k > 1:
            logger.info("pretrain: %d training cells, so batches of %d cells at lr %.3g (batch-size rule: %d x the "
                        "seed's, at least %d steps per epoch; JAEConfig(max_batch_scale=1) keeps batch %d)", n_train,
                        config.batch_size * k, config.lr * math.sqrt(k), k, MIN_STEPS_PER_EPOCH, config.batch_size)
        return cls("pretrain", config.lr * math.sqrt(k), config.max_epochs, reconstruction_only=False,
                   patience=config.patience, epoch_cells=config.epoch_cells, round_tolerance=config.round_tolerance,
                   epoch_tolerance=config.epoch_tolerance_unsupervised if config.mode == "unsupervised" else 0.0,
                   batch_size=config.batch_size * k)

    @classmethod
    def finetuning(cls, config: JAEConfig, epochs: int, n_cells: int) -> "Stage":
        """Fine-tuning for ``epochs`` on ``n_cells`` cells: the batch-size rule's batch, the seed's learning rate."""
        k = batch_scale(min(n_cells, config.epoch_cells), config.batch_size, config.max_batch_scale)
        return cls("finetune", config.finetune_lr, epochs, reconstruction_only=True, epoch_cells=config.epoch_cells,
                   batch_size=config.batch_size * k)


def check_features(X, n_rows: int, n_output: int, *, rows: str = "one row per obs row", chunk: int = 65536) -> None:
    """Refuse features no training can read, in one line before any work: a shape other than ``(n_rows, n_output)``
    (``rows`` says what each row is), or a NaN or infinite value, which made the loss NaN and the training stop with
    'the training diverged; lower the learning rate' (fine-tuning), or numpy's 'Eigenvalues did not converge' (the
    principal axes of a fit). Checked ``chunk`` rows at a time, so no copy of ``X`` is made."""
    if X.shape != (n_rows, n_output):
        raise ValueError(f"features have shape {X.shape}, expected ({n_rows}, {n_output}) ({rows}, "
                         "preprocessor.n_output columns)")
    bad = np.concatenate([np.flatnonzero(~np.isfinite(np.asarray(X[s:s + chunk])).all(axis=1)) + s
                          for s in range(0, n_rows, chunk)] or [np.zeros(0, dtype=np.int64)])
    if len(bad):
        raise ValueError(f"features hold NaN or infinite values in {len(bad)} of {n_rows} cells (the first: row "
                         f"{int(bad[0])}); pass finite features, as preprocessor.transform makes from counts, or "
                         "leave those cells out")


def _condition(network: JAENetwork, batch: torch.Tensor | None) -> torch.Tensor | None:
    """The decoder's batch one-hot (zeros for code -1, a batch outside the reference); None without one."""
    if not network.n_condition or batch is None:
        return None
    onehot = torch.nn.functional.one_hot(batch.clamp(min=0), network.n_condition).to(torch.float32)
    return onehot * (batch >= 0).unsqueeze(1)


@torch.no_grad()
def _evaluate(network, X, layout, config, stage, cell_type, phase, batch, batch_size=4096, type_weight=None) -> float:
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
            reconstruction_only=stage.reconstruction_only, type_weight=type_weight,
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
        Seeds the minibatch order (dropout is seeded by the caller's forked RNG; when data-parallel, by ``seed``
        and the process's rank).

    Returns
    -------
    DataFrame with one row per epoch: stage, epoch, the mean of each loss term, and ``val_total`` when
    validating. With early stopping the network ends at its best validation epoch.

    Under ``torchrun`` (or in an initialised process group) every process calls this with the same arguments and
    trains its share of the minibatches (:mod:`jae.train.distributed`); the network ends the same on every process.
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
    parallel = data_parallel(device)
    optimizer = make_optimizer(network, lr=stage.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    adversary = None
    if use_adversary:
        classifier = BatchAdversary(layout.dim, layout.n_batch).to(device)
    validation = None if val_idx is None else (X_val, ct_val, ph_val, b_val)
    type_weight = None if cell_type is None else type_weights(cell_type[train_idx], layout.n_cell_type,
                                                              config.type_balance)
    with ExitStack() as stack:
        model = network if parallel is None else stack.enter_context(parallel.wrap(network))
        if use_adversary:
            fit = classifier if parallel is None else stack.enter_context(parallel.wrap(classifier))
            adversary = _Adversary(classifier, make_optimizer(classifier, lr=stage.lr, weight_decay=0.0), fit)
        stack.enter_context(cpu_threads(device))
        stack.enter_context(_dropout_per_process(parallel, seed, device))
        history = _epochs(
            network, model, X, train_idx, optimizer, generator, layout=layout, config=config, stage=stage,
            cell_type=cell_type, phase=phase, batch=batch, adversary=adversary, validation=validation,
            progress_bar=progress_bar, parallel=parallel, type_weight=type_weight,
        )
    if history:
        last = history[-1]
        rounds = stage.epoch_cells is not None and len(train_idx) > stage.epoch_cells  # an epoch is a round then
        done = (count(len(history), "round") + f" of {stage.epoch_cells:,} cells" if rounds
                else count(len(history), "epoch", "epochs"))
        logger.info(
            "%s: %s on %s, %s", stage.name, done, _device_name(device),
            ", ".join(f"{k} {v:.4f}" for k, v in last.items() if isinstance(v, float)),
        )
    return pd.DataFrame(history)


def _device_name(device: torch.device) -> str:
    """``'cpu'``, or the GPU's index and name (``'cuda:0 (NVIDIA H200)'``): where a fit ran, for its log."""
    if device.type != "cuda":
        return device.type
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


@contextmanager
def _dropout_per_process(parallel, seed: int, device: torch.device):
    """Data-parallel: each process draws its own dropout masks (global RNG forked, seeded by ``seed`` and rank)."""
    if parallel is None:
        yield
        return
    with seeded_rng(device, seed * 1_000_003 + parallel.rank):
        yield


def _epochs(
    network, model, X, train_idx, optimizer, generator, *, layout, config, stage, cell_type, phase, batch, adversary,
    validation, progress_bar, parallel, type_weight=None,
):
    """One stage on the shared loop: each step is one Adam step on the JAE loss (then one of the adversary).

    The steps call ``model`` (``network``, or its data-parallel wrapper); validation calls ``network``.
    """

    def step(local: torch.Tensor) -> dict[str, torch.Tensor]:
        idx = train_idx[local]
        xb = X[idx]
        bb = None if batch is None else batch[idx]
        z, recon = model(xb, _condition(network, bb))
        parts = jae_loss(
            z, recon, xb, layout=layout, config=config,
            cell_type=None if cell_type is None else cell_type[idx],
            phase=None if phase is None else phase[idx],
            adversary_logits=None if adversary is None else adversary.classifier(z),
            reconstruction_only=stage.reconstruction_only, type_weight=type_weight,
        )
        optimizer.zero_grad(set_to_none=True)
        parts["total"].backward()
        optimizer.step()
        if adversary is not None:  # the classifier learns from the latent; its grads above are discarded
            adversary.optimizer.zero_grad(set_to_none=True)
            parts["adversary_fit"] = adversary_step_loss(adversary.fit, z, bb)
            parts["adversary_fit"].backward()
            adversary.optimizer.step()
        return parts

    validate = None
    if validation is not None:
        X_val, ct_val, ph_val, b_val = validation
        if parallel is None:
            validate = lambda: _evaluate(network, X_val, layout, config, stage, ct_val, ph_val, b_val,  # noqa: E731
                                         type_weight=type_weight)
        else:  # each process scores every world_size-th held-out cell; the sums are added up
            mine = slice(parallel.rank, None, parallel.world_size)
            part = tuple(None if a is None else a[mine] for a in (X_val, ct_val, ph_val, b_val))

            def validate() -> float:
                n = part[0].shape[0]
                mean = (_evaluate(network, part[0], layout, config, stage, *part[1:], type_weight=type_weight)
                        if n else 0.0)
                total, count = parallel.sum(torch.tensor([mean * n, float(n)], dtype=torch.float64)).tolist()
                return total / max(count, 1.0)
    return run_epochs(
        network, step, n_train=len(train_idx), batch_size=stage.batch_size or config.batch_size,
        generator=generator,
        max_epochs=stage.max_epochs, validate=validate, patience=stage.patience, min_batch=2,
        row={"stage": stage.name}, desc=f"jae {stage.name}", progress_bar=progress_bar, parallel=parallel,
        epoch_cells=stage.epoch_cells, round_tolerance=stage.round_tolerance, epoch_tolerance=stage.epoch_tolerance,
        diverged=_lower_lr(config, stage),
    )


def _lower_lr(config: JAEConfig, stage: Stage) -> str:
    """The fix of a diverged stage: the config field of its learning rate, a tenth of it as the example. A fine-tuning
    reads the model's own setting (a saved model's too, in jae embed): it is set where the model is fitted, or the
    fine-tuning is skipped."""
    if stage.reconstruction_only:
        return (f"lower the fine-tuning's learning rate where the model is fitted and fit it again (e.g. "
                f"JAEConfig(finetune_lr={config.finetune_lr / 10:.3g})), or skip the fine-tuning")
    return f"lower the learning rate, e.g. JAEConfig(lr={config.lr / 10:.3g}), and fit again"


def unfitted_on_failure(method):
    """:meth:`jae.JAE.fit_transformed`, leaving no model when it does not finish (an error, or Ctrl-C in a notebook):
    the network it was training is dropped, so ``is_fitted`` is False and ``embed``, ``save`` and
    ``predict_cell_type`` refuse the model with the fix (fit it), where they took a half-trained network without its
    readout and calibration (or with the last fit's) for a fitted model."""

    @functools.wraps(method)
    def fit(model, *args, **kwargs):
        try:
            return method(model, *args, **kwargs)
        except BaseException:
            model.network = None
            raise

    return fit


def unchanged_on_failure(method):
    """:meth:`jae.JAE.finetune_transformed`, leaving the model as it was when it does not finish: the network's weights,
    the history, the label calibration and the voters' kept linear classifier are put back (a fine-tuning stopped
    halfway left a network no calibration described). When putting the weights back fails too, the fine-tuning's own
    error is raised and that failure logged beside it, and the model is left unfitted (its network dropped, as
    :func:`unfitted_on_failure` leaves a fit): its network held part of the fine-tuning, which a later ``embed`` took
    for the fitted model's."""

    @functools.wraps(method)
    def finetune(model, *args, **kwargs):
        if model.network is None:
            return method(model, *args, **kwargs)
        weights = {k: v.detach().clone() for k, v in model.network.state_dict().items()}
        history, calibration, linear = model.history, model.calibration, getattr(model, "voter_linear", None)
        try:
            return method(model, *args, **kwargs)
        except BaseException:
            try:
                model.network.load_state_dict(weights)
            except Exception as failure:  # the fine-tuning's own error is the one to see; this one is said beside it
                model.network = None  # half put back: neither the model before nor after the fine-tuning
                logger.error("the fine-tuning's weights could not be put back after it failed (%s: %s), so the "
                             "network held part of the fine-tuning and the model is left unfitted: load the model "
                             "again (JAE.load) or refit it", type(failure).__name__, failure)
            except BaseException:  # interrupted (Ctrl-C) while putting them back: unfitted too
                model.network = None
                model.history, model.calibration, model.voter_linear = history, calibration, linear
                raise
            model.history, model.calibration, model.voter_linear = history, calibration, linear
            raise  # the fine-tuning's error (a failure putting the weights back is handled above)

    return finetune
