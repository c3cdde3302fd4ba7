"""Trajectory conservation when no two trajectory cells are kNN neighbours (session 35)."""

import logging
import warnings

import numpy as np

from jae import metrics


def _scattered():
    """200 cells in 4 far clusters; one trajectory cell in each cluster, so the trajectory cells share no edge."""
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=50, size=(4, 5))
    X = np.vstack([c + rng.normal(size=(50, 5)) for c in centers])
    types = np.array(["other"] * 200, dtype=object)
    pt = np.full(200, np.nan)
    for i, idx in enumerate([0, 50, 100, 150]):
        types[idx] = "early" if i < 2 else "late"
        pt[idx] = i / 3
    return X, types, pt


def test_trajectory_cells_without_shared_edges_are_nan_with_a_reason(caplog):
    X, types, pt = _scattered()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: three RuntimeWarnings (divide by zero) from the one-cell diffusion map
        with caplog.at_level(logging.WARNING, logger="jae.metrics.trajectory"):
            score = metrics.trajectory_conservation(X, types, pt)
    assert np.isnan(score)
    assert "none of the 4 trajectory cells has another trajectory cell among its kNN neighbours" in caplog.text
    assert "no batch has two trajectory cells" not in caplog.text  # the old, misleading reason


def test_root_cut_off_names_the_components(caplog):
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 300)
    X = np.c_[t * 10, rng.normal(scale=0.05, size=(300, 2))]
    types = np.where(t < 0.2, "early", np.where(t < 0.6, "mid", "late"))
    X[types == "early"] += 1000  # the root type far from the rest: scib's 0
    with caplog.at_level(logging.WARNING, logger="jae.metrics.trajectory"):
        assert metrics.trajectory_conservation(X, types, t) == 0.0
    assert "root type 'early' not in the largest component" in caplog.text
    # was: no word on how the graph splits; now the count and the largest component's types
    assert "the graph has 2 components, the largest 240 of the 300 cells (late: 120, mid: 120)" in caplog.text
