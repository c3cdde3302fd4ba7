"""Session 34 (loose1): Voters.vote without voters or neighbours."""

import numpy as np
import pytest

from jae.model.voters import Voters


def _voters(n=0):
    rng = np.random.default_rng(0)
    return Voters(features=rng.normal(size=(n, 4)).astype(np.float32), codes=np.arange(n) % 2)


def test_vote_refuses_no_voters_and_k_below_one():
    emb = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="at least one voter and k >= 1"):
        _voters(0).vote(np.zeros((0, 3), np.float32), emb, 2)
    v = _voters(6)
    V = np.random.default_rng(2).normal(size=(6, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="k=0"):
        v.vote(V, emb, 2, k=0)
    shares = v.vote(V, emb, 2, k=3)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-6)


def test_labels_vote_is_none_for_a_model_with_no_voters():
    from types import SimpleNamespace

    from jae.labels import vote

    model = SimpleNamespace(voters=_voters(0))
    assert vote(model, np.zeros((4, 3), np.float32), np.zeros((0, 3), np.float32)) is None
