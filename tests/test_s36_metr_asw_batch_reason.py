"""asw_batch n/a names why when every cell type spans two batches with one cell in each (s36)."""

from __future__ import annotations

import logging

import numpy as np

import jae.metrics

REASON = ("no cell type spans two batches with more of its cells than batches (scib's asw_batch skips a type of one "
          "batch, or of one cell per batch)")


def test_types_of_one_cell_per_batch_are_not_said_to_lack_two_batches(caplog):
    # 20 types of 2 cells, each cell in its own one of two batches: every type spans two batches, yet the reason said
    # "no cell type spans two batches"
    X = np.random.default_rng(0).normal(size=(40, 3))
    types = np.repeat([f"t{i}" for i in range(20)], 2)
    batches = np.tile(["b1", "b2"], 20)
    with caplog.at_level(logging.WARNING, logger="jae.metrics"):
        result = jae.metrics.evaluate_embedding(X, cell_type=types, batch=batches, progress_bar=False,
                                                diagnostics=False)
        assert np.isnan(jae.metrics.asw_batch(X, batches, types))
    assert np.isnan(result["asw_batch"]) and result.attrs["skipped"]["asw_batch"] == REASON
    assert f"asw_batch is undefined: {REASON}; reporting NaN" in caplog.text


def test_types_of_one_batch_each_get_the_same_reason():
    X = np.random.default_rng(0).normal(size=(40, 3))
    types = np.repeat(["a", "b"], 20)
    result = jae.metrics.evaluate_embedding(X, cell_type=types, batch=types.copy(), progress_bar=False,
                                            diagnostics=False)
    assert result.attrs["skipped"]["asw_batch"] == REASON
