"""The one rule for how many threads jae's compiled kernels and thread pools use.

``OMP_NUM_THREADS`` when set (as torch and BLAS read it), at most numba's configured thread count (the machine's
cores unless ``NUMBA_NUM_THREADS`` says otherwise); numba's count when unset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numba

__all__ = ["compute_threads", "numba_threads", "start_numba_pool", "threads_within_memory"]


def compute_threads() -> int:
    """Threads for the streaming SVD's sparse products and the label vote's neighbour search. ``OMP_NUM_THREADS`` in
    OpenMP's list form (``4,1``: 4 threads, then 1 in nested regions) counts its first level, as torch and BLAS do."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", "0").split(",")[0].strip() or "0")
    except ValueError:
        n = 0
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS)) if n > 0 else numba.config.NUMBA_NUM_THREADS


def threads_within_memory(threads: int, task_bytes: Sequence[int]) -> tuple[int, int]:
    """``(workers, budget)``: how many of ``threads`` a pool of tasks holding ``task_bytes`` each while they run
    takes (at least 1, at most one per task): the most whose largest tasks' summed bytes fit in ``budget``, the memory
    budget's rule (:func:`jae.io.plan.default_memory_budget`: half the memory available now). Each task's numbers are
    its own: the count changes the memory and the time, not a result."""
    from .io.plan import default_memory_budget

    budget = default_memory_budget()
    largest = sorted((int(b) for b in task_bytes), reverse=True)[: max(1, threads)]
    workers = 1
    while workers < len(largest) and sum(largest[: workers + 1]) <= budget:
        workers += 1
    return workers, budget


def start_numba_pool() -> None:
    """Start numba's thread pool (once per process; a no-op after) keeping the caller's torch thread count.

    numba's OpenMP layer sets the process's OpenMP thread count to numba's own (every core unless
    ``NUMBA_NUM_THREADS`` says otherwise) when its pool starts, and torch reads that count: without this, the first
    parallel kernel (jae's or UMAP's) undid ``OMP_NUM_THREADS=1`` or ``torch.set_num_threads(1)``.
    """
    import torch

    threads = torch.get_num_threads()
    numba.get_num_threads()  # starts the pool
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@contextmanager
def numba_threads() -> Iterator[int]:
    """Run numba's parallel kernels on :func:`compute_threads` threads inside the block (yielding that count),
    restoring the caller's setting afterwards."""
    start_numba_pool()
    previous = numba.get_num_threads()
    threads = compute_threads()
    numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(previous)
