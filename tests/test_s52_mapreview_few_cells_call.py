"""predict_cell_type of a handful of cells (2 to 11) gave every cell the same unknown_score and flag, whatever its
type, without a word: the call averages each cell's score with its 10 nearest cells among those predicted together,
so with 11 cells or fewer each is averaged with all the others. It now warns, naming the way to a cell's own score
(one at a time); the labels are those of before."""

from __future__ import annotations

import logging

import numpy as np
import pytest


@pytest.fixture(scope="module")
def fitted(own_cite_model):
    from jae.datasets import simulate

    query = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    return own_cite_model("s52_mapreview_few")[1], query


def _shared(caplog):
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "share one unknown_score" in r.getMessage()]


def test_a_handful_of_cells_is_told_it_shares_one_score(fitted, caplog):
    model, query = fitted
    few = query[:5].copy()
    with caplog.at_level(logging.WARNING, logger="jae"):
        labels = model.predict_cell_type(few, key_added=None)
    assert np.unique(labels["unknown_score"]).size == 1 and labels["cell_type"].nunique() > 1  # one score, types apart
    said = _shared(caplog)
    assert len(said) == 1 and "with 5 cells every cell is averaged with all the others" in said[0]
    assert f"({labels['unknown_score'].iloc[0]:.3g})" in said[0]
    alone = [model.predict_cell_type(few[i : i + 1].copy(), key_added=None)["unknown_score"].iloc[0] for i in range(5)]
    assert np.unique(alone).size == 5  # the fix named: one at a time, each cell's own score


def test_one_cell_or_more_than_eleven_say_nothing(fitted, caplog):
    model, query = fitted
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.predict_cell_type(query[:1].copy(), key_added=None)
        labels = model.predict_cell_type(query[:12].copy(), key_added=None)
        assert not _shared(caplog)
        model.predict_cell_type(query[:11].copy(), key_added=None)
    assert np.unique(labels["unknown_score"]).size > 1
    assert len(_shared(caplog)) == 1  # 11 cells: each has 10 others, all of them
