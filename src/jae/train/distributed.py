"""Data-parallel training on ``torch.distributed`` (several processes, GPUs or nodes, launched with ``torchrun``).

Under ``torchrun`` (``WORLD_SIZE`` > 1 in the environment) or in a script that has initialised a process group
itself, :func:`data_parallel` returns the process's :class:`DataParallel` and the joint model's stages train
data-parallel:

- every process reads the same data and fits the same preprocessing (the same seed on the same data: the SVD,
  the cell-cycle scores, the PCA start and the validation split are computed identically on every rank; only the
  training is shared);
- every epoch, all processes draw the same seeded permutation of the training cells and cut it into the same
  minibatches of ``batch_size`` as one process would (one with fewer cells than processes is skipped); process
  ``r`` of ``W`` takes the ``r``-th of ``W`` parts of each minibatch (their sizes differ by at most one), so
  ``batch_size`` stays the number of cells per optimiser step (the learning rate and the number of steps per epoch
  mean what they mean on one process) and each process computes ``1 / W`` of it;
- gradients are averaged by :class:`torch.nn.parallel.DistributedDataParallel` and batch norm uses the whole
  minibatch's statistics (summed across processes, on CPU and GPU alike), so every step is the one process's step
  on the same minibatch up to rounding and dropout, which is seeded per process: the weights stay the same on every
  process, and the result is close to, not identical with, one process's;
- each process computes the validation loss on its share of the held-out cells and the shares are summed, so
  early stopping stops every process at the same epoch and restores the same weights;
- only process 0 writes files (:func:`is_writer`; :func:`jae.io.atomic.atomic_path` lets the other processes'
  writes fall away, so every process can run the same script or ``jae fit``).

The backend is gloo for a model on the CPU and NCCL on CUDA (each process on ``cuda:LOCAL_RANK``; see
:func:`jae.train.resolve_device`). ``JAE_DISTRIBUTED=0`` in the environment turns it off (every process then trains
alone, as without ``torchrun``, and writes: a script gives each its own output; the ``jae`` CLI, whose processes would
all write the same files, refuses it under ``torchrun``: :func:`launch_turned_off`).
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import torch
import torch.distributed as dist

from .._launch import distributed_on, is_writer, launch_turned_off
from .._launch import launch as _launch

__all__ = ["DataParallel", "check_environment", "check_rendezvous", "data_parallel", "draws_bar", "is_writer",
           "launch_turned_off"]

logger = logging.getLogger(__name__)

_groups: dict[str, object] = {}  # a gloo group for CPU tensors when the default group is NCCL
#: Seconds a process waits for the others of its launch before a warning says what it waits for.
WAIT_WARNING_S = 60


@dataclass(frozen=True)
class DataParallel:
    """This process's place in a data-parallel run: ``rank`` of ``world_size`` processes, training on ``device``.

    ``group`` is the process group collectives use (None: the default one).
    """

    rank: int
    world_size: int
    device: torch.device
    group: object = None

    def share(self, rows: torch.Tensor) -> torch.Tensor:
        """This process's part of ``rows`` (the same on every process): the ``rank``-th of ``world_size`` contiguous
        parts whose sizes differ by at most one."""
        return torch.tensor_split(rows, self.world_size)[self.rank]

    @contextmanager
    def wrap(self, module: torch.nn.Module) -> Iterator[torch.nn.Module]:
        """``module`` in :class:`~torch.nn.parallel.DistributedDataParallel` (its weights and buffers are first set
        to process 0's), with its batch norms synchronised across processes while the block runs; call the wrapper
        for training steps, the module itself for evaluation."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" and self.device.index is not None else None
        norms = [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm1d)]
        for norm in norms:  # an instance attribute: the class's forward comes back when it is deleted
            norm.forward = partial(_synced_batch_norm, norm, torch.nn.BatchNorm1d.forward.__get__(norm), self.group)
        try:
            yield DistributedDataParallel(module, device_ids=ids, process_group=self.group)
        except RuntimeError as err:  # a peer gone: one line naming it, not the collective's traceback
            if not _peer_lost(err):
                raise
            raise ConnectionError(
                f"process {self.rank} of {self.world_size} of this data-parallel run lost contact with the others while "
                f"training ({_first_line(err)}): another process ended or stopped answering (its own error, a kill, "
                "running out of memory: its message says which), so this one stops too"
            ) from err
        finally:
            for norm in norms:
                del norm.forward

    def sum(self, values: torch.Tensor) -> torch.Tensor:
        """Element-wise sum of ``values`` over processes (a new float64 tensor on ``values.device``)."""
        out = values.detach().to(self.device, torch.float64).clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM, group=self.group)
        return out.to(values.device)

    def broadcast(self, value: float) -> float:
        """Process 0's ``value`` on every process."""
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.broadcast(t, src=self._src(), group=self.group)
        return float(t.item())

    def sync_buffers(self, module: torch.nn.Module) -> None:
        """Set ``module``'s buffers (batch-norm statistics) to process 0's."""
        for buf in module.buffers():
            dist.broadcast(buf.data, src=self._src(), group=self.group)

    def _src(self) -> int:
        """Global rank of this group's process 0."""
        return 0 if self.group is None else dist.get_global_rank(self.group, 0)


def _peer_lost(err: BaseException) -> bool:
    """Whether ``err`` is a collective failing because another process is gone or silent: torch's network errors, or
    those of gloo's transport (a plain ``RuntimeError`` naming its source file, e.g. 'Connection closed by peer');
    not a backend's refusal of its setup (NCCL's 'Duplicate GPU detected'), which says its own cause."""
    return isinstance(err, dist.DistNetworkError) or "/gloo/transport/" in str(err)


def _first_line(err: BaseException, *, sentence: bool = True) -> str:
    """The first sentence (``sentence=False``: line) of ``err``'s message, without the ``[source.cc:line]`` prefix of
    torch's C++ errors."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    text = text.split("] ", 1)[1] if text.startswith("[") and "] " in text else text
    return (text.split(". ", 1)[0] if sentence else text).strip().rstrip(".")


class _SumOverProcesses(torch.autograd.Function):
    """Sum of a tensor over processes; its gradient is the sum of the processes' gradients (each process's loss
    depends on every process's input)."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor, group) -> torch.Tensor:
        ctx.group = group
        out = tensor.clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM, group=group)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM, group=ctx.group)
        return grad, None


def _synced_batch_norm(norm: torch.nn.BatchNorm1d, own_forward, group, x: torch.Tensor) -> torch.Tensor:
    """``norm`` in training mode with the statistics of the whole minibatch, all processes' parts together, as one
    process would compute them (gradients flow through the sums); in evaluation mode, or for input that is not
    ``(cells, features)``, ``norm`` itself. :class:`torch.nn.SyncBatchNorm` does this on GPUs only."""
    if not norm.training or x.dim() != 2:
        return own_forward(x)
    sums = _SumOverProcesses.apply(torch.cat([x.sum(0), x.new_tensor([x.shape[0]])]), group)
    n = sums[-1]
    mean = sums[:-1] / n
    centred = x - mean
    squares = _SumOverProcesses.apply(centred.square().sum(0), group)
    if norm.track_running_stats:
        with torch.no_grad():
            norm.num_batches_tracked.add_(1)
            m = 1.0 / float(norm.num_batches_tracked) if norm.momentum is None else norm.momentum
            norm.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
            norm.running_var.mul_(1 - m).add_(squares.detach() / (n - 1).clamp(min=1), alpha=m)
    out = centred * torch.rsqrt(squares / n + norm.eps)
    return out * norm.weight + norm.bias if norm.affine else out


def _enabled() -> bool:
    """Whether ``JAE_DISTRIBUTED`` leaves data-parallel training on (:func:`jae._launch.distributed_on`) and torch can
    train data-parallel here."""
    return distributed_on() and dist.is_available()


def draws_bar(progress_bar) -> bool:
    """Whether a call asked for a progress bar (``progress_bar``) draws it: under ``torchrun`` every process runs the
    call and process 0 alone draws (the others' bars repeated it); a malformed ``RANK`` is left to the step that needs
    it (:func:`is_writer`, ``strict=False``)."""
    from .._flags import bars_off

    return bool(progress_bar) and not bars_off() and is_writer(strict=False)


@contextmanager
def given_or_own_bar(bar, *, total: int, desc: str, progress_bar):
    """``bar`` when a caller passes its open bar (advanced by the block, never closed here), else a bar of the block's
    own over ``total`` steps, drawn as :func:`draws_bar` says and closed however the block ends (an exception too)."""
    if bar is not None:
        yield bar
        return
    from tqdm.auto import tqdm

    own = tqdm(total=total, desc=desc, disable=not draws_bar(progress_bar), leave=False)
    try:
        yield own
    finally:
        own.close()


def check_environment() -> None:
    """Refuse, in one line, ``torchrun`` variables (``WORLD_SIZE``, ``RANK``) that are no numbers or out of range
    (:func:`_launch`), and a ``JAE_DISTRIBUTED`` that says neither on nor off, before any work: checked when a device is chosen (:func:`jae._device.usable_device`), not
    first when the outputs are written. Nothing is read with ``JAE_DISTRIBUTED=0`` or in an initialised process
    group (whose own ranks count)."""
    if _enabled() and not dist.is_initialized():
        _launch()


def check_rendezvous() -> None:
    """Refuse, in one line, a launch of several processes (``WORLD_SIZE`` > 1) that lacks ``MASTER_ADDR`` or
    ``MASTER_PORT`` (a hand-set ``WORLD_SIZE``, not torchrun), which torch's rendezvous refuses only when training
    starts: called by :func:`data_parallel` and, before any work, by the fits that train data-parallel
    (:func:`jae.io.check_fit_annotations`). Nothing is read with ``JAE_DISTRIBUTED=0`` or in an initialised group."""
    if not _enabled() or dist.is_initialized() or _launch()[0] < 2:
        return
    missing = [n for n in ("MASTER_ADDR", "MASTER_PORT") if not os.environ.get(n, "").strip()]
    if missing:
        raise ValueError(
            f"the environment says WORLD_SIZE={os.environ['WORLD_SIZE'].strip()} processes but sets no "
            f"{' or '.join(missing)}, which they need to find each other: launch with torchrun, which sets them "
            "(e.g. torchrun --nproc-per-node=2 -m jae fit ...), or unset WORLD_SIZE (or set JAE_DISTRIBUTED=0) to "
            "train in one process")


def _destroy() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def _join(backend: str) -> None:
    """``dist.init_process_group(backend)``, which waits (up to torch's timeout, 30 minutes) until every process of
    the launch has come: a warning after :data:`WAIT_WARNING_S` seconds says what it waits for (a process started
    alone with torchrun's variables set waited in silence), and a wait that ends without them is refused in one line."""
    import threading

    world, rank = _launch()
    where = f"{os.environ.get('MASTER_ADDR', '').strip()}:{os.environ.get('MASTER_PORT', '').strip()}"
    waiting = threading.Timer(WAIT_WARNING_S, lambda: logger.warning(
        "data-parallel training: process %d of %d has waited %g s for the other processes of this launch at %s "
        "(WORLD_SIZE=%d); each must start (torchrun starts them all) and reach training; set JAE_DISTRIBUTED=0 to "
        "train this process alone", rank, world, WAIT_WARNING_S, where, world))
    waiting.daemon = True
    waiting.start()
    try:
        _init_interruptible(backend)
    except RuntimeError as err:
        if not isinstance(err, dist.DistError):
            raise
        raise ConnectionError(
            f"data-parallel training: process {rank} of {world} could not join the other processes of this launch at "
            f"{where} ({_first_line(err, sentence=False)}): each must start (torchrun starts them all) and reach "
            "training; set JAE_DISTRIBUTED=0 to train this process alone"
        ) from err
    finally:
        waiting.cancel()


def _init_interruptible(backend: str) -> None:
    """``dist.init_process_group(backend)``; for gloo in a helper thread, so that Ctrl-C and SIGTERM stop the wait:
    Python runs signal handlers in the main thread only between bytecodes, and the wait is one C++ call (a process
    left waiting for its peers could only be killed). NCCL's is made in the main thread, which sets its GPU."""
    import threading

    if backend != "gloo":
        dist.init_process_group(backend)
        return
    failed: list[BaseException] = []

    def init() -> None:
        try:
            dist.init_process_group(backend)
        except BaseException as err:  # handed to the main thread
            failed.append(err)

    joining = threading.Thread(target=init, name="jae-join", daemon=True)
    joining.start()
    while joining.is_alive():
        joining.join(0.2)  # between two waits the main thread runs the signal handlers
    if failed:
        raise failed[0]


def data_parallel(device: torch.device) -> DataParallel | None:
    """This process's :class:`DataParallel` for training on ``device``, or None when it trains alone.

    Uses the process group already initialised (by the caller's script), or initialises one from the ``torchrun``
    environment (``WORLD_SIZE`` > 1, ``RANK``, ``MASTER_ADDR``, ``MASTER_PORT``): gloo on the CPU, NCCL on CUDA.
    A group of one process, no group and no ``torchrun`` environment, or ``JAE_DISTRIBUTED=0``: None.
    """
    device = torch.device(device)
    if not _enabled():
        return None
    if not dist.is_initialized():
        if _launch()[0] < 2:
            return None
        check_rendezvous()
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda" and device.index is not None:
            torch.cuda.set_device(device)
        _join(backend)
        atexit.register(_destroy)
        logger.info(
            "data-parallel training: process %d of %d (%s backend, %s)",
            dist.get_rank(), dist.get_world_size(), backend, device,
        )
    world = dist.get_world_size()
    if world < 2:
        return None
    group = None
    if device.type != "cuda" and dist.get_backend() == "nccl":  # CPU tensors need gloo: one group, made once
        if "gloo" not in _groups:
            _groups["gloo"] = dist.new_group(backend="gloo")
        group = _groups["gloo"]
    return DataParallel(rank=dist.get_rank(), world_size=world, device=device, group=group)
