"""Cell-cycle scores over row blocks, identical to scoring all cells at once with
:func:`jae.preprocess.cell_cycle.score_cell_cycle`: the control genes depend only on the per-gene means (one pass),
after which each score is a difference of row means, computable block by block.

Benchmark helper; uses the scorer's private ``_score_set`` (candidate for a public streaming API in jae).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class CellCycleScorer:
    """Accumulate gene means with :meth:`add_means` over all blocks, then :meth:`score` each block."""

    def __init__(self, var_names, s_genes, g2m_genes, *, seed: int = 0) -> None:
        names = pd.Index(np.asarray(var_names).astype(str))
        self.sets = [names.get_indexer([g for g in genes if g in names]) for genes in (s_genes, g2m_genes)]
        self.ctrl_size = min(len(s) for s in self.sets)
        self.sums = np.zeros(len(names), dtype=np.float64)
        self.n = 0
        self.seed = seed

    def add_means(self, normed) -> None:
        self.sums += np.asarray(normed.sum(axis=0, dtype=np.float64)).ravel()
        self.n += normed.shape[0]

    def score(self, normed) -> np.ndarray:
        """``(rows, 2)`` S and G2M scores of one log-normalised block."""
        from jae.preprocess.cell_cycle import _score_set

        means = self.sums / self.n
        return np.column_stack(
            [_score_set(normed, idx, means, ctrl_size=self.ctrl_size, seed=self.seed) for idx in self.sets]
        )
