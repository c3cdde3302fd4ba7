"""jae evaluate's cell-cycle reference from files ran every batch's GEX variance share side by side, one per compute
thread (every core when OMP_NUM_THREADS is unset), each holding its stacked sample and a transposed copy whatever the
memory: 20,000 competition-shaped CITE-seq cells peaked at 1.50 GB on 8 threads against 1.04 GB on one. The threads
are now capped so the running shares' working memory fits in half the memory available (all of them when it does);
the shares are the same numbers on any count."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae.io.plan as plan
import jae.metrics.cell_cycle_cons as ccc
from jae.preprocess import cell_cycle_genes


def _gex(n: int, batches: np.ndarray, n_genes: int = 500):
    rng = np.random.default_rng(11)
    s_genes, g2m_genes = cell_cycle_genes("human")
    names = list(s_genes[:15]) + list(g2m_genes[:15])
    names += [f"G{i}" for i in range(n_genes - len(names))]
    phase = rng.random(n)
    X = rng.poisson(0.4, size=(n, n_genes)).astype(np.float32)
    X[:, :15] += rng.poisson(2.0 * phase[:, None], size=(n, 15))
    X[:, 15:30] += rng.poisson(2.0 * (1 - phase)[:, None], size=(n, 15))
    X[:, 30:45] += rng.poisson(1.0 + (batches == batches[0])[:, None], size=(n, 15))
    X *= 1e4 / X.sum(axis=1, keepdims=True)
    return sp.csr_matrix(np.log1p(X)), pd.Index(names)


@pytest.fixture
def pools(monkeypatch):
    """The worker count of every pool the shares run on; 8 compute threads, as on an 8-core machine."""
    sizes = []

    class Pool(ccc.ThreadPoolExecutor):
        def __init__(self, max_workers=None, *args, **kwargs):
            sizes.append(max_workers)
            super().__init__(max_workers, *args, **kwargs)

    monkeypatch.setattr(ccc, "ThreadPoolExecutor", Pool)
    monkeypatch.setattr(ccc, "compute_threads", lambda: 8)
    return sizes


def _reference(n_batches: int = 5):
    rng = np.random.default_rng(2)
    batches = np.repeat([f"b{i}" for i in range(n_batches)], 260)[rng.permutation(260 * n_batches)]
    gex, names = _gex(len(batches), batches)
    blocks = lambda: (gex[s : s + 300] for s in range(0, gex.shape[0], 300))  # noqa: E731
    return ccc.cell_cycle_reference_blocks(blocks, names, batches, max_cells=240)


def test_shares_run_on_fewer_threads_when_memory_is_short_with_the_same_numbers(monkeypatch, pools, caplog):
    ample = _reference()
    assert pools == [5]  # memory to spare: one thread per batch (at most the compute threads), as before
    monkeypatch.setattr(plan, "available_memory", lambda: 1_000_000)  # 1 MB available: one share at a time
    with caplog.at_level(logging.INFO, logger="jae.metrics.cell_cycle_cons"):
        short = _reference()
    assert pools == [5, 1]
    assert "5 batches' GEX variance shares run 1 at a time, not 5" in caplog.text, caplog.text
    np.testing.assert_array_equal(short.before, ample.before)  # bit for bit
    for a, b in zip(short.covariates, ample.covariates):
        np.testing.assert_array_equal(a, b)
    assert len(set(ample.before)) == 5


def test_the_cap_takes_as_many_of_the_largest_shares_as_fit(monkeypatch):
    from jae._threads import threads_within_memory

    monkeypatch.setattr(plan, "available_memory", lambda: 2 * 1000)  # a budget of 1,000 bytes
    assert threads_within_memory(8, [400, 100, 300, 500]) == (2, 1000)  # 500 + 400 fit, + 300 does not
    assert threads_within_memory(8, [100, 100, 100]) == (3, 1000)  # one per task at most
    assert threads_within_memory(2, [100, 100, 100]) == (2, 1000)  # at most the threads given
    assert threads_within_memory(8, [5000, 10]) == (1, 1000)  # one at least, even when a task alone is over
