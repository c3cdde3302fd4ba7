"""Session 37: with --baseline, jae evaluate said one INFO line per modality ('svd_baseline: GEX -> 50 SVD
components'), how the baseline is built every time; they are DEBUG now (-v). A baseline fitted on a sample of the
cells still says so at INFO, since its numbers depend on it."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from jae.baseline import svd_baseline


def _counts(n, p, seed):
    rng = np.random.default_rng(seed)
    return sp.csr_matrix(rng.poisson(1.0, (n, p)) + np.eye(n, p, dtype=np.int64))


def test_the_baseline_says_how_it_is_built_at_debug_only(caplog):
    counts = [_counts(120, 300, 0), _counts(120, 20, 1)]
    with caplog.at_level(logging.INFO, logger="jae"):
        svd_baseline(counts, ["GEX", "ADT"], seed=0)
    assert not [r for r in caplog.records if r.name == "jae.baseline"]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="jae"):
        svd_baseline(counts, ["GEX", "ADT"], seed=0)
    said = [r.getMessage() for r in caplog.records if r.name == "jae.baseline"]
    assert any("GEX -> " in m for m in said) and any("ADT used as is" in m for m in said)


def test_a_sampled_fit_is_said_at_info(caplog):
    counts = [_counts(120, 300, 0), _counts(120, 20, 1)]
    with caplog.at_level(logging.INFO, logger="jae"):
        svd_baseline(counts, ["GEX", "ADT"], seed=0, svd_fit_cells=60)
    assert [r.getMessage() for r in caplog.records if r.name == "jae.baseline"] == [
        "svd_baseline: SVDs fitted on a seeded sample of 60 of 120 cells"]
