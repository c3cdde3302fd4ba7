"""Session 41 review of the held-out scale: the preprocessing bar's total counts ``fold_count(cells)`` folds of
``n_iter + 1`` passes (jae.preprocess.pipeline.preprocess), so held_out_scale ticks that many even when a fold is
skipped (fewer than N_FOLDS sampled cells leave some folds without a held-out cell): the bar used to stop short,
e.g. at 76 of 136 steps for a 5-cell SVD sample.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from jae.preprocess.held_out import fold_count, held_out_scale


def test_held_out_scale_ticks_every_counted_pass_when_folds_are_skipped():
    rng = np.random.default_rng(0)
    for n in (5, 12):  # 5 cells: folds 5-9 hold no cell and are skipped; 12 cells: none skipped
        X = sp.csr_matrix(rng.poisson(1.0, size=(n, 40)).astype(np.float32))
        ticks = []
        scale = held_out_scale([X[:3], X[3:]], n_features=40, n_components=3, seed=0, n_iter=2,
                               on_pass=lambda: ticks.append(1))
        assert len(ticks) == fold_count(n) * 3, n
        assert scale.shape == (3,) and np.all(scale > 0)
