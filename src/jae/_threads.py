"""The one rule for how many threads jae's compiled kernels and thread pools use.

``OMP_NUM_THREADS`` when set (as torch and BLAS read it), at most numba's configured thread count (the machine's
cores unless ``NUMBA_NUM_THREADS`` says otherwise); numba's count when unset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numba

__all__ = ["compute_threads", "numba_threads"]


def compute_threads() -> int:
    """Threads for the streaming SVD's sparse products and the label vote's neighbour search."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", "0"))
    except ValueError:
        n = 0
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS)) if n > 0 else numba.config.NUMBA_NUM_THREADS


@contextmanager
def numba_threads() -> Iterator[int]:
    """Run numba's parallel kernels on :func:`compute_threads` threads inside the block (yielding that count),
    restoring the caller's setting afterwards."""
    previous = numba.get_num_threads()
    threads = compute_threads()
    numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(previous)
