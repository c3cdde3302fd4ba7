"""Cell-cycle scoring's seed: every draw of control genes seeded, a seed numpy cannot take named before any work."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate
from jae.preprocess import CellCycleScorer, log_normalize, score_cell_cycle


@pytest.fixture(scope="module")
def gex():
    rna = simulate(60, kind="cite", n_genes=200, n_proteins=4, seed=3).mod["rna"]
    return log_normalize(rna.layers["counts"]), rna.var_names


@pytest.mark.parametrize("seed, error, words", [(None, TypeError, "an integer, not None"),
                                                (True, TypeError, "an integer, not True"),
                                                (1.5, TypeError, "an integer, not 1.5"),
                                                (-1, ValueError, "an integer >= 0, not -1")])
def test_a_seed_that_is_no_whole_number_from_zero_is_refused_naming_seed(gex, seed, error, words):
    # None drew other control genes (other scores) on every call, True was seed 1; -1 and 1.5 failed in numpy
    # ("Seed must be between 0 and 2**32 - 1"), for the scorer only at score(), after a pass over the data
    X, genes = gex
    with pytest.raises(error, match=rf"^seed must be {words}; e\.g\. seed=0$"):
        score_cell_cycle(X, genes, seed=seed)
    with pytest.raises(error, match=rf"^seed must be {words}"):
        CellCycleScorer(genes, seed=seed)
    scorer = CellCycleScorer(genes, seed=np.int64(4))
    scorer.add(X)
    np.testing.assert_array_equal(scorer.score(X), score_cell_cycle(X, genes, seed=4).to_numpy())


@pytest.mark.parametrize("min_genes", ["3", 2.5, -1, None])
def test_min_genes_that_is_no_whole_number_from_zero_is_refused_naming_it(gex, min_genes):
    # '3' and None failed in Python ("'>' not supported between instances of 'str' and 'int'"), 2.5 and -1 were used
    X, genes = gex
    with pytest.raises(ValueError, match=r"^score_cell_cycle: min_genes must be a whole number >= 0 \(the fewest "
                                         r"genes of each cell-cycle list that must be present\), not "):
        score_cell_cycle(X, genes, min_genes=min_genes)
    with pytest.raises(ValueError, match=r"^CellCycleScorer: min_genes must be a whole number >= 0"):
        CellCycleScorer(genes, min_genes=min_genes)
    assert score_cell_cycle(X, genes, min_genes=np.int64(3)).shape == (60, 2)


def test_scorer_refuses_a_block_of_other_genes_at_score_as_at_add(gex):
    # a wider block was scored by its first columns without a word; a narrower one failed with an IndexError
    import scipy.sparse as sp

    X, genes = gex
    scorer = CellCycleScorer(genes)
    scorer.add(X)
    for block in (sp.hstack([X, X]).tocsr(), X[:, :150], X.toarray()[:, :150]):
        with pytest.raises(ValueError, match=r"^CellCycleScorer: a block has \d+ genes, the scorer 200; pass blocks "
                                             r"of all genes in var_names order$"):
            scorer.score(block)
    assert scorer.score(X).shape == (60, 2)


def test_a_dataframe_of_log_normalised_values_is_scored_as_its_values(gex):
    # adata.to_df() failed in pandas: "InvalidIndexError: (slice(None, None, None), array([163, 46, ...]))"
    import pandas as pd

    X, genes = gex
    dense = X.toarray()
    df = pd.DataFrame(dense, columns=genes)
    pd.testing.assert_frame_equal(score_cell_cycle(df, genes), score_cell_cycle(dense, genes))
    scorer = CellCycleScorer(genes)
    scorer.add(df)
    np.testing.assert_array_equal(scorer.score(df), score_cell_cycle(dense, genes).to_numpy())
