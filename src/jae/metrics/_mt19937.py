"""igraph's random numbers for the Louvain re-implementation: Mersenne Twister MT19937 seeded as igraph seeds it
(seed 0 becomes 4357, GSL's default), bounded integers by Lemire's debiased multiplication (igraph >= 0.10).
"""

from __future__ import annotations

import numpy as np

from .._compiled import compiled

__all__ = ["_mt_seed", "_mt_next", "_mt_integer"]

_N = 624
_M = 397


@compiled(nogil=True)
def _mt_seed(seed):
    mt = np.zeros(_N + 1, dtype=np.uint64)  # last slot holds the position
    s = np.uint64(4357 if seed == 0 else seed) & np.uint64(0xFFFFFFFF)
    mt[0] = s
    for i in range(1, _N):
        prev = mt[i - 1]
        mt[i] = (np.uint64(1812433253) * (prev ^ (prev >> np.uint64(30))) + np.uint64(i)) & np.uint64(0xFFFFFFFF)
    mt[_N] = _N
    return mt


@compiled(nogil=True)
def _mt_next(mt):
    upper, lower = np.uint64(0x80000000), np.uint64(0x7FFFFFFF)
    magic = np.uint64(0x9908B0DF)
    if mt[_N] >= _N:
        for k in range(_N):
            y = (mt[k] & upper) | (mt[(k + 1) % _N] & lower)
            v = mt[(k + _M) % _N] ^ (y >> np.uint64(1))
            if y & np.uint64(1):
                v ^= magic
            mt[k] = v
        mt[_N] = 0
    y = mt[mt[_N]]
    mt[_N] += 1
    y ^= y >> np.uint64(11)
    y ^= (y << np.uint64(7)) & np.uint64(0x9D2C5680)
    y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
    y ^= y >> np.uint64(18)
    return y & np.uint64(0xFFFFFFFF)


@compiled(nogil=True)
def _mt_integer(mt, low, high):
    """Uniform integer in [low, high], as igraph_rng_get_integer (Lemire's debiased multiplication)."""
    if high == low:
        return low
    r = np.uint64(high - low + 1)
    t = ((np.uint64(1) << np.uint64(32)) - r) % r
    while True:
        x = _mt_next(mt)
        m = x * r
        if (m & np.uint64(0xFFFFFFFF)) >= t:
            return low + np.int64(m >> np.uint64(32))
