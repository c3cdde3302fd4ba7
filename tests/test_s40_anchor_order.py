"""Above SMOOTH_ANCHORS query cells the unknown call averages each cell's score over its nearest cells among a sample
of anchors, which was drawn by row position: the same cells sorted otherwise (by cluster, by sample) got other
anchors and so other unknown calls. The anchors are now chosen by the cells' values (anchor_rows)."""

import numpy as np

from jae.labels.unknown import anchor_rows, other_cells, smooth_over_cells


def test_the_same_cells_in_another_order_get_the_same_neighbours_and_scores():
    rng = np.random.default_rng(0)
    rest = rng.normal(size=(400, 12)).astype(np.float32)
    score = rng.random(400)
    perm = rng.permutation(400)
    one = other_cells(rest, seed=3, anchors=150)
    two = other_cells(rest[perm], seed=3, anchors=150)
    assert all(set(perm[two[j]]) == set(one[perm[j]]) for j in range(400))
    a = smooth_over_cells(rest, score, seed=3, anchors=150)
    b = smooth_over_cells(rest[perm], score[perm], seed=3, anchors=150)
    np.testing.assert_allclose(b, a[perm], rtol=1e-12)


def test_the_anchors_are_a_seeded_spread_sample():
    rng = np.random.default_rng(1)
    rest = rng.normal(size=(5000, 8)).astype(np.float32)
    rows = anchor_rows(rest, 1000, seed=0)
    assert len(rows) == 1000 and len(np.unique(rows)) == 1000 and np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, anchor_rows(rest, 1000, seed=0))
    assert len(np.intersect1d(rows, anchor_rows(rest, 1000, seed=1))) < 400  # another seed, another sample
    assert abs(np.mean(rows < 2500) - 0.5) < 0.05  # not bunched in one part of the rows
    assert abs(rest[rows].mean() - rest.mean()) < 0.05
