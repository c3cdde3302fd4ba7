"""cc_cons n/a on batches of one cell each says so, not "no cycling signal" (s36)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import jae.metrics
from jae.datasets import simulate
from jae.evaluation import lognormalized_gex

REASON = ("each of the 120 batches holds a single cell: no GEX variance to share (cc_cons needs batches of 2+ cells; "
          "does the batch column name cells?)")


@pytest.fixture(scope="module")
def data():
    mdata = simulate(120, n_genes=220, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    gex, genes = lognormalized_gex(mdata)
    return mdata, gex, genes


def test_one_cell_batches_are_named_as_the_reason(data, caplog):
    # a batch column of cell names: every batch's GEX share is undefined (one cell), and the reason said "the
    # cell-cycle scores explain none of the GEX variance in any batch (no cycling signal to conserve)"
    mdata, gex, genes = data
    E = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    per_cell = mdata.obs_names.to_numpy()
    with caplog.at_level(logging.WARNING, logger="jae.metrics"):
        result = jae.metrics.evaluate_embedding(E, cell_type=mdata.obs["cell_type"], batch=per_cell, gex=gex,
                                                gex_var_names=genes, progress_bar=False, diagnostics=False)
        reference = jae.metrics.cell_cycle_reference(gex, genes, per_cell)
        assert np.isnan(jae.metrics.cc_cons(E, reference))
    assert np.isnan(result["cc_cons"]) and result.attrs["skipped"]["cc_cons"] == REASON
    assert caplog.text.count(f"cc_cons is n/a: {REASON}") == 2


def test_real_batches_score_as_before(data):
    mdata, gex, genes = data
    E = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    reference = jae.metrics.cell_cycle_reference(gex, genes, mdata.obs["batch"])
    assert np.isfinite(jae.metrics.cc_cons(E, reference))
