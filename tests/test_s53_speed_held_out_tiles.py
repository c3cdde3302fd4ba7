"""Session 53 (speed): the held-out scale's folds read the SVD sample's tiled blocks, not copies made in every pass.

Each fold of :func:`jae.preprocess.held_out.held_out_scale` runs an SVD of ``n_iter + 1`` passes and two projections
over the sample's rows in and out of the fold. Before, every pass sliced each CSR block (``B[mask]``, a copy of its
stored values) and found its tiles again (:func:`jae.preprocess._sparse._tile_starts`): 6% of a 50,000-cell
Multiome fit's CPU time. Now each block is tiled once and a fold's rows are its row starts alone
(:func:`jae.preprocess._sparse.tiled_rows`), with the same scale bit for bit.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import jae.preprocess._sparse as sparse_module
from jae.preprocess._sparse import csr_dense, csr_t_dense_add, tiled
from jae.preprocess.held_out import fold_count, held_out_scale
from jae.preprocess.streaming import fit_svd_streaming, project_blocks


def _pieces(n=900, p=400, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.05, format="csr", random_state=seed, dtype=np.float32)
    X.data = np.log1p(rng.poisson(3.0, X.nnz).astype(np.float32) + 1)
    return [X[s : s + 256] for s in range(0, n, 256)]


def _reference(pieces, *, n_features, n_components, seed, n_iter):
    """The scale as main computed it: every fold's rows sliced out of the CSR blocks for each pass."""
    sizes = [q.shape[0] for q in pieces]
    n = sum(sizes)
    fold = np.random.default_rng(seed).permutation(n) % 10
    bounds = np.cumsum([0] + sizes)
    m_in, m_out = np.zeros(n_components), np.zeros(n_components)
    for f in range(fold_count(n)):
        held = [fold[a:b] == f for a, b in zip(bounds[:-1], bounds[1:])]

        def rows(keep_held):
            return (q[m] for q, h in zip(pieces, held) if (m := h if keep_held else ~h).any())

        basis = fit_svd_streaming(lambda: rows(False), n_features=n_features, n_components=n_components, seed=seed,
                                  n_iter=n_iter)
        k = basis.n_components
        for keep_held, moment in ((False, m_in), (True, m_out)):
            moment[:k] += (project_blocks(rows(keep_held), basis).astype(np.float64) ** 2).mean(axis=0)
    ratio = np.where(m_in > 0, m_out / np.maximum(m_in, 1e-300), 1.0)
    return np.clip(np.sqrt(ratio), 1e-3, None).astype(np.float32)


def test_each_block_is_tiled_once_and_the_scale_is_unchanged(monkeypatch):
    pieces = _pieces()
    expected = _reference(pieces, n_features=400, n_components=20, seed=3, n_iter=4)
    calls = []
    kernel = sparse_module._tile_starts

    def counted(*args):
        calls.append(args[0].shape[0] - 1)  # rows tiled
        return kernel(*args)

    monkeypatch.setattr(sparse_module, "_tile_starts", counted)
    scale = held_out_scale(pieces, n_features=400, n_components=20, seed=3, n_iter=4)
    assert np.array_equal(scale, expected)  # bit for bit the scale of the sliced blocks
    # once per block (main: per block, fold and pass: 4 blocks x 10 folds x (5 passes + 2 projections) = 280)
    assert len(calls) == len(pieces) and sum(calls) == sum(q.shape[0] for q in pieces)
    products = [tiled(q) for q in pieces]  # as the preprocessing passes them, tiled for its own SVD
    calls.clear()
    again = held_out_scale(products, n_features=400, n_components=20, seed=3, n_iter=4)
    assert np.array_equal(again, expected) and calls == []  # none tiled again inside


def test_tiled_rows_gives_the_products_of_the_sliced_block():
    from jae.preprocess._sparse import tiled_rows

    B = _pieces(n=300)[0]
    mask = np.random.default_rng(1).random(B.shape[0]) < 0.6
    Q = np.random.default_rng(2).standard_normal((B.shape[1], 7)).astype(np.float32)
    sub, whole = tiled(B[mask]), tiled_rows(tiled(B), mask)
    assert whole.shape == sub.shape
    assert np.array_equal(csr_dense(whole, Q), csr_dense(sub, Q))
    Y = csr_dense(sub, Q)
    Z1, Z2 = np.zeros((B.shape[1], 7)), np.zeros((B.shape[1], 7))
    csr_t_dense_add(sub, Y, Z1)
    csr_t_dense_add(whole, Y, Z2)
    assert np.array_equal(Z1, Z2)
