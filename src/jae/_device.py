"""The one device resolver of jae (training, loading, metrics).

torch is imported inside the functions that use it: :func:`env_int` (read by jae.io's input plan, hence by
``jae.simulate`` and every reader) needs no torch, and importing it cost those paths ~2 s."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = ["env_int", "float32_default", "resolve_device", "usable_device"]


@contextmanager
def float32_default():
    """torch's default dtype float32 inside the block (also a decorator), the caller's again after it.

    jae computes in float32; the layers, buffers and random draws torch makes in its default dtype are made so here,
    the same bit for bit as under torch's own default. A user's ``torch.set_default_dtype(torch.float64)`` made
    float64 layers that refused jae's float32 features, and trained the modality predictor in float64.
    """
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``'auto'`` or None -> CUDA when available, else CPU; anything else is passed to :class:`torch.device`.

    Under ``torchrun`` with several processes (``WORLD_SIZE`` > 1 and ``LOCAL_RANK`` set), ``'auto'`` and ``'cuda'``
    (no index) give each process its own GPU, ``cuda:LOCAL_RANK``.
    """
    import torch

    if device is None or str(device) == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        local = _local_rank()
        if local is not None:
            return torch.device("cuda", local)
    return device


def env_int(name: str, default: int | None, what: str) -> int | None:
    """The whole number in the environment variable ``name`` (``torchrun`` sets ``WORLD_SIZE``, ``RANK``,
    ``LOCAL_RANK``); ``default`` when it is unset or empty. Any other text is refused in one line naming the variable,
    ``what`` it should hold, and the fix (int()'s own error names neither)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"the environment variable {name}={os.environ[name]!r} is not {what}: unset it, or set it "
                         "to a whole number (torchrun sets it)") from None


def _local_rank() -> int | None:
    """This process's ``LOCAL_RANK`` under ``torchrun`` with several processes (``WORLD_SIZE`` > 1), else None."""
    if env_int("WORLD_SIZE", 1, "a number of processes") > 1:
        local = env_int("LOCAL_RANK", None, "a process's rank on this machine")
        if local is not None and local < 0:  # else torch's 'Device index must not be negative', blamed on device=
            raise ValueError(f"the environment variable LOCAL_RANK={local} is not a process's rank on this machine "
                             "(0 or more): unset it, or launch with torchrun, which sets it")
        return local
    return None


def usable_device(device: str | torch.device | None = "auto") -> torch.device:
    """:func:`resolve_device` of a user's ``device=`` argument, refused in one line (naming the fix) when torch does not
    know it or cannot use it here (``'cuda'`` without a GPU, an index past the last GPU, ``'mps'`` off Apple silicon);
    a model checks its device when it is made, not in the middle of its first training."""
    import torch

    from .train.distributed import check_environment

    _local_rank()  # a torchrun variable that is no number: named in its own words, not as a device torch does not know
    check_environment()  # WORLD_SIZE and RANK too, before any work (a bad RANK was first read when writing)
    try:
        resolved = resolve_device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"device={device!r} is not a device torch knows; pass 'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if resolved.type == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0:
            raise ValueError(f"device={device!r}, but torch sees no CUDA GPU here (torch.cuda.is_available() is "
                             "False); pass device='cpu', or 'auto' to use a GPU only where there is one")
        if resolved.index is not None and resolved.index >= n and _given_index(device) is None:
            raise ValueError(f"device={device!r} under torchrun gives each process of a machine its own GPU "
                             f"(cuda:LOCAL_RANK), but this is process LOCAL_RANK={resolved.index} and torch sees {n} "
                             f"CUDA GPU{'s' if n > 1 else ''} here; start at most {n} per machine (torchrun "
                             f"--nproc-per-node={n}), or pass device='cpu'")
        if resolved.index is not None and resolved.index >= n:
            raise ValueError(f"device={device!r}, but torch sees {n} CUDA GPU{'s' if n > 1 else ''} (cuda:0 to "
                             f"cuda:{n - 1}); pass one of those, 'cuda' or 'auto'")
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r}, but torch cannot use Apple's MPS here; pass device='cpu' or 'auto'")
    return resolved


def _given_index(device) -> int | None:
    """The GPU index a ``device=`` argument names itself (``'cuda:1'``: 1); None for ``'auto'``, ``'cuda'`` or None,
    whose index :func:`resolve_device` chooses (``LOCAL_RANK`` under torchrun)."""
    import torch

    return None if device is None or str(device) == "auto" else torch.device(device).index
