"""The one rule for how many threads jae's compiled kernels and thread pools use.

``OMP_NUM_THREADS`` when set (as torch and BLAS read it), at most numba's configured thread count (the machine's
cores unless ``NUMBA_NUM_THREADS`` says otherwise); numba's count when unset.
"""

from __future__ import annotations

import os

import numba

__all__ = ["compute_threads"]


def compute_threads() -> int:
    """Threads for the streaming SVD's sparse products and the label vote's neighbour search."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", "0"))
    except ValueError:
        n = 0
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS)) if n > 0 else numba.config.NUMBA_NUM_THREADS
