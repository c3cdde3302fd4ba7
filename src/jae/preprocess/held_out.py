"""How much less a cell outside an SVD basis's fit spreads along each component than the cells it was fitted on.

A truncated SVD fitted on a set of cells picks the directions in which those cells vary most, and part of that
variation is each cell's own noise: a fitted cell's projection on a trailing component holds its noise along a
direction chosen partly to fit it, while a new cell's projection holds only its noise's share along a direction it
had no part in. New cells therefore sit closer to the origin along the trailing components than the reference's
cells of the same type, and neighbour each other rather than those cells (``unknown_selection.md``, session 40: a
known new cell's share of reference neighbours, REAP-seq RNA, 0.06 on the model's basis, 0.99 on a basis fitted with
those cells too).

:func:`held_out_scale` measures that shrinkage per component by cross-fitting on the fit's own sample of cells:
bases fitted on 90 % of the cells (one fold of ten held out, as many folds as give about :data:`HELD_OUT_CELLS`
held-out cells, every fold on smaller samples), and per component the square root of the held-out cells' mean
squared projection over the in-fold cells'. A map_query of new samples divides their projections by it
(:mod:`jae.mapping`), putting them back on the scale of the reference cells they are compared with.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["held_out_scale", "fold_count", "HELD_OUT_CELLS", "N_FOLDS", "MIN_SCALE"]

#: Held-out cells the cross-fit aims for: folds are added until about this many cells have been held out once. The
#: count sets the estimate's precision, not its target: 1,000 and 2,000 gave the same mapped label transfer and
#: reference-neighbour share on the leave-one-type-out protocol (REAP-seq, PBMC10k, SNARE-seq, seeds 0-4: within
#: 0.0003 and 0.003; ``unknown_selection.md``, session 41) at half the folds on references of 1,000-10,000 cells.
HELD_OUT_CELLS = 1000
#: Folds of the split (each basis is fitted on ``1 - 1 / N_FOLDS`` of the cells).
N_FOLDS = 10
#: Smallest factor kept: a component whose held-out spread is nearly nil (one outlier cell's own direction) would
#: otherwise multiply new cells' values along it a thousandfold.
MIN_SCALE = 1e-3


def fold_count(n_cells: int) -> int:
    """Folds the cross-fit of ``n_cells`` cells runs: enough for about :data:`HELD_OUT_CELLS` held-out cells, at most
    :data:`N_FOLDS` (every cell held out once)."""
    return min(N_FOLDS, math.ceil(HELD_OUT_CELLS / max(n_cells / N_FOLDS, 1)))


def held_out_scale(pieces, *, n_features: int, n_components: int, seed: int, n_iter: int,
                   on_pass=None) -> np.ndarray:
    """``(n_components,)`` float32: per component, sqrt(held-out / in-fold mean squared projection) (1 where no fold
    basis reaches that component; at least :data:`MIN_SCALE`).

    ``pieces``: the normalised cells the basis was fitted on, as a list of CSR (or dense, or already tiled:
    :func:`jae.preprocess._sparse.tiled`) row blocks; the folds' bases are fitted as the basis was
    (:func:`jae.preprocess.streaming.fit_svd_streaming`, ``seed`` and ``n_iter``),
    the split seeded by ``seed``; the pieces themselves are read, never changed. ``on_pass``: called after each pass
    of a fold's SVD (a caller's progress bar: :func:`fold_count` folds of ``n_iter + 1`` passes)."""
    import scipy.sparse as sp

    from ._sparse import TiledCSR, tiled, tiled_rows
    from .streaming import fit_svd_streaming, project_blocks

    # sparse pieces tiled once (a TiledCSR as given): each fold's rows are then their row starts alone, where slicing
    # and tiling every piece again in each of a fold's SVD passes took 6% of a 50,000-cell Multiome fit's CPU time
    pieces = [tiled(p) if sp.issparse(p) or isinstance(p, TiledCSR) else p for p in pieces]
    sizes = [p.shape[0] for p in pieces]
    n = int(sum(sizes))
    fold = np.random.default_rng(seed).permutation(n) % N_FOLDS
    folds = fold_count(n)
    bounds = np.cumsum([0] + sizes)
    m_in, m_out = np.zeros(n_components), np.zeros(n_components)
    for f in range(folds):
        held = [fold[a:b] == f for a, b in zip(bounds[:-1], bounds[1:])]
        if n - sum(int(h.sum()) for h in held) < 2 or not any(h.any() for h in held):
            for _ in range(n_iter + 1 if on_pass is not None else 0):  # the caller's bar counted this fold's passes
                on_pass()
            continue

        def rows(keep_held: bool):  # each piece's rows of the fold (held out) or of the rest, sliced as read
            return (tiled_rows(p, m) if isinstance(p, TiledCSR) else p[m]
                    for p, h in zip(pieces, held) if (m := h if keep_held else ~h).any())

        basis = fit_svd_streaming(lambda: rows(False), n_features=n_features, n_components=n_components, seed=seed,
                                  n_iter=n_iter, on_pass=on_pass)
        k = basis.n_components
        for keep_held, moment in ((False, m_in), (True, m_out)):
            moment[:k] += (project_blocks(rows(keep_held), basis).astype(np.float64) ** 2).mean(axis=0)
    ratio = np.where(m_in > 0, m_out / np.maximum(m_in, 1e-300), 1.0)
    return np.clip(np.sqrt(ratio), MIN_SCALE, None).astype(np.float32)
