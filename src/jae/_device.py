"""The one device resolver of jae (training, loading, metrics)."""

from __future__ import annotations

import os

import torch

__all__ = ["resolve_device"]


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``'auto'`` or None -> CUDA when available, else CPU; anything else is passed to :class:`torch.device`.

    Under ``torchrun`` with several processes (``WORLD_SIZE`` > 1 and ``LOCAL_RANK`` set), ``'auto'`` and ``'cuda'``
    (no index) give each process its own GPU, ``cuda:LOCAL_RANK``.
    """
    if device is None or str(device) == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    if device.type == "cuda" and device.index is None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        local = os.environ.get("LOCAL_RANK")
        if local is not None:
            return torch.device("cuda", int(local))
    return device
