"""CellCycleGenes.check compared only the length of the gene list: genes found in one gene list, passed as genes=
with another list of the same length (other genes, or the same in another order), scored whichever genes sat at the
marker genes' columns, with no message. The names at those columns are now compared and such a list refused in one
line; the same list (or a copy of it) scores as before."""

from __future__ import annotations

import numpy as np
import pytest

from jae.preprocess import CellCycleScorer, cell_cycle_genes, score_cell_cycle
from jae.preprocess.cell_cycle import CellCycleGenes


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    s_genes, g2m_genes = cell_cycle_genes("human")
    names = np.array(s_genes[::2] + g2m_genes[::3] + [f"gene{i}" for i in range(400)])
    rng.shuffle(names)
    X = np.log1p(rng.poisson(rng.gamma(0.5, 1.0, len(names)), (120, len(names)))).astype(np.float32)
    return X, names


def test_same_length_other_order_is_refused():
    X, names = _data()
    genes = CellCycleGenes.find(names, "human")
    shuffled = np.random.default_rng(1).permutation(names)
    with pytest.raises(ValueError, match=r"^score_cell_cycle: genes= was found in other var_names of the same length"):
        score_cell_cycle(X, shuffled, genes=genes)
    with pytest.raises(ValueError, match=r"^CellCycleScorer: genes= was found in other var_names of the same length"):
        CellCycleScorer(shuffled, genes=genes)


def test_same_list_scores_as_a_fresh_lookup():
    X, names = _data()
    genes = CellCycleGenes.find(names, "human")
    np.testing.assert_array_equal(score_cell_cycle(X, list(names), genes=genes).to_numpy(),
                                  score_cell_cycle(X, names).to_numpy())
    genes.check(len(names), "x")  # a length alone is still compared as before
