"""Trajectory conservation on a largest component of two trajectory cells: NaN with its reason, no RuntimeWarning
(s36)."""

from __future__ import annotations

import logging

import numpy as np

import jae.metrics


def test_a_two_cell_component_gives_nan_and_the_reason_without_a_numpy_warning(caplog):
    # 3 far-apart groups of 16 cells, 4 trajectory cells: two in one group (the root type's), one in each other group;
    # the diffusion map of the two-cell component is its stationary vector alone, so every DPT distance is 0: the
    # division by the largest raised "RuntimeWarning: invalid value encountered in divide" (an error under -W error)
    rng = np.random.default_rng(0)
    E = np.concatenate([rng.normal(size=(16, 2)) + c for c in ([0, 0], [100, 0], [0, 100])])
    types = np.repeat(["a", "b", "c"], 16)
    pt = np.full(48, np.nan)
    pt[[0, 1, 16, 32]] = [0.1, 0.2, 0.5, 0.9]
    with caplog.at_level(logging.WARNING, logger="jae.metrics.trajectory"):
        assert np.isnan(jae.metrics.trajectory_conservation(E, types, pt))  # pytest: warnings are errors
    assert "no rank correlation to take" in caplog.text


def test_diffusion_pseudotime_of_one_point_is_nan_without_a_warning():
    evecs = np.full((2, 1), np.float32(1 / np.sqrt(2)))
    out = jae.metrics.diffusion_pseudotime(np.ones(1, np.float32), evecs, 0)
    assert out.dtype == np.float32 and np.isnan(out).all()
