"""Session 34: jae.model.voters.nearest takes k as a whole number of neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from jae.model.voters import nearest


def _rows():
    return np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)


def test_whole_k_gives_the_nearest_rows_as_before():
    R = _rows()
    idx, dist = nearest(R, R, np.int64(3))
    assert idx.shape == (12, 3) and (idx[:, 0] == np.arange(12)).all() and (dist[:, 0] == 0).all()
    assert nearest(R, R, 0)[0].shape == (12, 0)
    assert nearest(R, R, 50)[0].shape == (12, 12)  # k above the rows: every row


@pytest.mark.parametrize("k", [2.7, -1, None, True, "3"])
def test_k_not_a_whole_number_of_neighbours_is_refused_in_one_line(k):
    with pytest.raises(ValueError, match=rf"k must be a whole number of neighbours, at least 0, not {k!r}"):
        nearest(_rows(), _rows(), k)


def test_mixture_of_head_and_vote_of_other_shapes_is_refused_not_broadcast():
    from jae.model.voters import mixture

    head = np.full((4, 3), 1 / 3, np.float32)
    vote = np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]
    np.testing.assert_allclose(mixture(head, vote), 0.5 * head + 0.5 * vote)
    with pytest.raises(ValueError, match=r"head has shape \(4, 3\), vote \(1, 3\): expected the same cells and types"):
        mixture(head, vote[:1])  # one cell's vote: numpy would give it to every cell


def test_a_vote_among_fewer_embedded_voters_than_codes_is_refused_not_read_with_the_first_codes():
    from jae.model.voters import Voters

    R = _rows()
    voters = Voters(features=R, codes=np.arange(12) % 3)
    vote = voters.vote(R, R[:2], 3, k=3)
    assert vote.shape == (2, 3) and np.allclose(vote.sum(1), 1)
    with pytest.raises(ValueError, match=r"voter_embedding has 6 rows for 12 voters .*expected one row per voter"):
        voters.vote(R[:6], R[:2], 3, k=3)
    with pytest.raises(ValueError, match=r"codes up to 2, n_types 2\)"):
        voters.vote(R, R[:2], 2, k=3)


def test_voters_sampled_with_fewer_codes_than_rows_are_refused_not_the_first_rows_labelled():
    from jae.model.voters import CalibrationCells, Voters

    X = _rows()
    voters = Voters.sample(X, np.arange(6) % 3, seed=0, rows=np.arange(6, 12))
    np.testing.assert_array_equal(voters.features, X[6:])
    for cls in (Voters, CalibrationCells):
        with pytest.raises(ValueError, match="codes has 3 labels for 6 rows: expected one label per cell of rows"):
            cls.sample(X, np.arange(3), seed=0, rows=np.arange(6, 12))
