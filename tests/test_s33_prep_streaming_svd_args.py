"""fit_svd_streaming's numbers: every basis seeded, an argument that is no such number named before any pass."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate
from jae.preprocess import log_normalize
from jae.preprocess.streaming import fit_svd_streaming


@pytest.fixture(scope="module")
def blocks():
    X = log_normalize(simulate(60, kind="cite", n_genes=200, n_proteins=4, seed=3).mod["rna"].layers["counts"])

    def read():
        return iter([X])
    return read


@pytest.mark.parametrize("kw, error, match", [
    ({"seed": None}, TypeError, r"^seed must be an integer, not None"),  # an unseeded random basis, other each call
    ({"seed": -1}, ValueError, r"^seed must be an integer >= 0"),  # numpy: "expected non-negative integer"
    ({"n_components": 0}, ValueError, r"^n_components must be a whole number >= 1"),  # "need at least 2 of each"
    ({"n_components": True}, ValueError, r"^n_components must be a whole number >= 1"),  # one component
    ({"n_iter": 1.5}, ValueError, r"^fit_svd_streaming: n_iter must be a whole number >= 0, not 1.5$"),
    ({"n_oversamples": -20}, ValueError, r"^fit_svd_streaming: n_oversamples must be a whole number >= 0"),
])
def test_arguments_that_are_no_such_numbers_are_refused_before_any_pass(blocks, kw, error, match):
    def never():
        pytest.fail("a pass over the blocks ran before the check")
    with pytest.raises(error, match=match):
        fit_svd_streaming(never, n_features=200, **{"n_components": 5, **kw})
    basis = fit_svd_streaming(blocks, n_features=200, n_components=np.int64(5), seed=np.int64(1))
    np.testing.assert_array_equal(basis.components,
                                  fit_svd_streaming(blocks, n_features=200, n_components=5, seed=1).components)
