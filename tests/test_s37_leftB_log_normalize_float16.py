"""log_normalize(dtype=numpy.float16): a cell whose total count is above float16's largest value (65504) made the
total infinite, refused as 'the matrix has 0 NaN or infinite values, so it holds no raw counts'; a scale above it
(scale=1e6) returned inf for every value without a word; a sparse matrix failed in scipy ('does not support dtype
float16'). Each is now refused in one line naming the fix (dtype=numpy.float32, the default); values that fit are
unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jae.preprocess import log_normalize


def _counts() -> np.ndarray:
    C = np.random.default_rng(0).poisson(1.0, (6, 40)).astype(np.float16)
    C[:, 0] += 1
    return C


def test_total_above_float16_is_refused_in_words():
    C = _counts()
    C[0, :] = 3000  # a total of 120,000
    with pytest.raises(ValueError, match=r"^log_normalize: a cell's total count \(120000\) exceeds the largest "
                                         r"float16 .*dtype=numpy.float32"):
        log_normalize(C, dtype=np.float16)
    assert np.isfinite(log_normalize(C)).all()  # float32 (the default) holds it


def test_scale_above_float16_is_refused():
    with pytest.raises(ValueError, match=r"^log_normalize: scale=1e\+06 exceeds the largest float16"):
        log_normalize(_counts(), dtype=np.float16, scale=1e6)
    with pytest.raises(ValueError, match=r"^log_normalize: scale=1e\+40 exceeds the largest float32"):
        log_normalize(sp.csr_matrix(_counts().astype(np.float32)), scale=1e40)


def test_sparse_float16_is_refused_in_words():
    with pytest.raises(ValueError, match=r"^log_normalize: dtype=float16 for a sparse matrix"):
        log_normalize(sp.csr_matrix(_counts().astype(np.float32)), dtype=np.float16)


def test_values_that_fit_are_unchanged():
    C = _counts()
    out = log_normalize(C, dtype=np.float16)
    X = C.copy()
    X *= np.float16(1e4) / X.sum(axis=1, keepdims=True)
    np.log1p(X, out=X)
    X /= np.float16(np.log(10.0))
    np.testing.assert_array_equal(out, X)
