"""A ``torchrun`` launch as the environment describes it, read without torch: whether data-parallel training is on
(``JAE_DISTRIBUTED``), this process's ``WORLD_SIZE`` and ``RANK``, and whether it writes files.

The writers of every verb ask :func:`is_writer`; importing torch for it (via :mod:`jae.train.distributed`, 2 s) made
``jae simulate`` and the readers pay for torch, which they do not use. :mod:`jae.train.distributed` trains on it.
"""

from __future__ import annotations

import os
import sys

from ._device import env_int

__all__ = ["OFF", "ON", "distributed_on", "is_writer", "launch", "launch_turned_off"]

#: ``JAE_DISTRIBUTED``'s values that turn data-parallel training off, and those that leave it on.
OFF = ("0", "off", "false", "no")
ON = ("1", "on", "true", "yes", "auto", "")


def distributed_on() -> bool:
    """Whether ``JAE_DISTRIBUTED`` leaves data-parallel training on; a value that says neither on nor off (e.g.
    'disabled', read as on before) is refused in one line."""
    value = os.environ.get("JAE_DISTRIBUTED", "auto").strip().lower()
    if value not in OFF + ON:
        raise ValueError(f"the environment variable JAE_DISTRIBUTED={os.environ['JAE_DISTRIBUTED']!r} says neither "
                         "on nor off: set it to 0 (every process trains alone) or 1, or unset it")
    return value not in OFF


def is_writer(*, strict: bool = True) -> bool:
    """Whether this process writes files: process 0 of an initialised process group or of a ``torchrun`` launch
    (``RANK``, ``WORLD_SIZE`` > 1), and any process when there is neither or ``JAE_DISTRIBUTED=0``. A ``RANK`` or
    ``WORLD_SIZE`` that is no number is refused in one line; ``strict=False`` (the CLI, before its logging is set up)
    reads it as process 0 instead, and the first step that needs it refuses it in one line.

    torch is imported only where a process group may exist (``torch.distributed`` imported: no group is initialised
    without it) or the environment names other than one process (``WORLD_SIZE``): a process alone writes, whether
    torch can train data-parallel or not, and ``jae simulate`` and the readers need no torch."""
    try:
        if not distributed_on():
            return True
        if "torch.distributed" in sys.modules or not _one_process():
            import torch.distributed as dist

            if not dist.is_available():
                return True
            if dist.is_initialized():
                return dist.get_rank() == 0
        world, rank = launch()
        return world < 2 or rank == 0
    except ValueError:
        if strict:
            raise
        return True


def _one_process() -> bool:
    """Whether ``WORLD_SIZE`` is unset or 1 (no number: False, for :func:`launch` to refuse)."""
    try:
        return env_int("WORLD_SIZE", 1, "a number of processes") == 1
    except ValueError:
        return False


def launch_turned_off() -> int | None:
    """``WORLD_SIZE`` when ``JAE_DISTRIBUTED`` turns data-parallel training off in processes that ``torchrun`` started
    together (it sets ``TORCHELASTIC_RUN_ID``): each then trains alone and writes as if it were the only one, which a
    script may mean (each process its own seed and output) but which the CLI, giving every process the same flags,
    cannot (each would write the same files); else None. A process alone whose environment holds a launch's variables
    (a cluster job's ``WORLD_SIZE``, without torchrun) is not one of them; a malformed ``WORLD_SIZE`` is left to
    :func:`jae.train.distributed.check_environment`, as is a ``JAE_DISTRIBUTED`` that says neither on nor off
    (:func:`distributed_on` refuses it)."""
    try:
        if distributed_on():
            return None
        world = env_int("WORLD_SIZE", 1, "a number of processes")
    except ValueError:
        return None
    torchrun = bool(os.environ.get("TORCHELASTIC_RUN_ID", "").strip())
    return world if world > 1 and torchrun else None


def launch() -> tuple[int, int]:
    """``WORLD_SIZE`` and ``RANK`` of a ``torchrun`` launch (1 and 0 when unset), refused in one line when they are
    not what torchrun sets: a number of processes below 1, or a rank outside 0 to ``WORLD_SIZE - 1`` (such a process
    was no process 0, so it wrote nothing and said nothing); with one process ``RANK`` is not read."""
    world = env_int("WORLD_SIZE", 1, "a number of processes")
    if world < 1:
        raise ValueError(f"the environment variable WORLD_SIZE={world} is not a number of processes: unset it, or set "
                         "it to 1 or more (torchrun sets it)")
    rank = 0 if world < 2 else env_int("RANK", 0, "a process's rank")
    if not 0 <= rank < world:
        raise ValueError(f"the environment variable RANK={rank} is not a process's rank among WORLD_SIZE={world} "
                         f"processes (0 to {world - 1}): unset both, or launch with torchrun, which sets them")
    return world, rank
