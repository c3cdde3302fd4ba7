"""FeatureMoments.fit's second pass (the fourth moment for the Ledoit-Wolf weight) held three float64 copies of a row
chunk at once (the first pass's last chunk, the chunk, the chunk minus the mean); it now holds one, worked on in
place, with the same numbers."""

from __future__ import annotations

import tracemalloc

import numpy as np

from jae.model.moments import FeatureMoments


def _data(n: int = 8192, d: int = 128) -> np.ndarray:
    rng = np.random.default_rng(3)
    return (rng.standard_normal((n, d)) * rng.gamma(1.0, 1.0, d) + rng.normal(0, 2, d)).astype(np.float32)


def test_fit_peak_holds_one_float64_chunk():
    X = _data()
    rows = np.ones(len(X), dtype=bool)
    FeatureMoments.fit(X[:64], rows[:64])  # warm up (lazy imports are not the fit's memory)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        FeatureMoments.fit(X, rows)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    chunk64 = X.size * 8  # the one chunk (every row here) in float64
    # one float64 chunk and its float32 rows (12 bytes a value), as the first pass; it was three (24 bytes)
    assert peak < 1.8 * chunk64, f"peak {peak / 1e6:.1f} MB for a {chunk64 / 1e6:.1f} MB float64 chunk"


def test_fit_same_numbers_in_chunks_and_inputs_untouched():
    X = _data(3000, 40)
    before = X.copy()
    rows = np.random.default_rng(0).random(len(X)) < 0.8
    whole = FeatureMoments.fit(X, rows)
    assert np.array_equal(X, before)  # the input is not modified by the in-place pass
    # the fourth moment (the shrink weight) summed over chunks: the same model up to rounding of the sum order
    chunked = FeatureMoments.fit(X, rows, chunk=512)
    np.testing.assert_allclose(chunked.cov, whole.cov, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(chunked.mean, whole.mean, rtol=1e-12)
    X64 = X.astype(np.float64)  # a float64 X: X[positions] is a copy, so X64 stays as it was
    FeatureMoments.fit(X64, rows)
    assert np.array_equal(X64, before.astype(np.float64))
