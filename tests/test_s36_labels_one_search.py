"""predict_cell_type (and jae.labels.unknown_scores) searched each cell's 10 nearest query cells twice, once for the
head's score and once for the distance's, the same search both times: at 200,000 cells each took 10 s of the call's
24 s. The neighbours are now searched once and serve both averages; the scores are bit-identical."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import jae.labels
import jae.labels.unknown
from jae.datasets import simulate
from jae.labels import SMOOTH_K, smooth_over_cells


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s36_labels_one_search")[1]


def _counting(monkeypatch):
    """Record the k of every neighbour search jae.labels makes among the cells given (the smoothing's: SMOOTH_K + 1)."""
    calls, search = [], jae.labels.unknown.nearest  # the smoothing's search (jae.labels.unknown.other_cells)

    def counted(reference, query, k, **kwargs):
        calls.append(k)
        return search(reference, query, k, **kwargs)

    monkeypatch.setattr(jae.labels.unknown, "nearest", counted)
    return calls


def test_the_unknown_calls_neighbours_are_searched_once(cite, monkeypatch):
    cells = simulate(90, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=6)
    # a model keeping its fitted cells calls new cells from their features as they are, not from the embedding given
    # (jae.query.fit_cells): one keeping none calls them from it, as this test describes
    cite = copy.deepcopy(cite)
    cite.fit_cells = None
    emb = cite.embed(cells, key_added=None)
    rest = emb[:, cite.layout.n_cell_type:]
    scores = jae.labels.unknown_scores(cite, emb)
    # the documented score: each of the two per-cell scores averaged over its own search, the larger of the two
    want = np.maximum(smooth_over_cells(rest, scores["head_cell"], seed=cite.seed),
                      smooth_over_cells(rest, scores["far_cell"], seed=cite.seed))
    calls = _counting(monkeypatch)
    labels = cite.predict_cell_type(cells, embedding=emb)
    assert calls.count(SMOOTH_K + 1) == 1, calls
    np.testing.assert_array_equal(labels["unknown_score"].to_numpy(), want.astype(np.float32))
    calls.clear()
    again = jae.labels.unknown_scores(cite, emb)
    assert calls.count(SMOOTH_K + 1) == 1, calls
    for key in ("head", "far", "head_or_far"):
        np.testing.assert_array_equal(again[key], scores[key])
    np.testing.assert_array_equal(again["head_or_far"], want)
