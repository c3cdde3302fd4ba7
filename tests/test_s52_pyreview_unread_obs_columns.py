"""muon's habit: leiden clusters of each modality (``sc.tl.leiden(mdata['rna'])``, ``mdata['prot']``) beside the
joint one in ``mdata.obs['leiden']``. ``jae.evaluate`` and ``jae.baseline.svd_baseline_from`` warned, on every call,
that the modalities' 'leiden' values were dropped (session 52), a column neither reads; fit, embed and
predict_cell_type already said such clashes at INFO and warned only of the columns they read. Now the scoring calls
do the same: the cell-type, batch and pseudotime columns (every ``pseudotime_order_*`` by default) are warned of."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

import jae
from jae.io.cell_obs import reading_columns
from jae.io.paired import cell_obs


def _muon_like():
    mdata = jae.simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=52)
    rng = np.random.default_rng(0)
    for holder in (mdata, mdata["rna"], mdata["prot"]):  # three clusterings, one name
        holder.obs["leiden"] = pd.Categorical(rng.integers(0, 4, mdata.n_obs).astype(str))
    return mdata


def _warned(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "holds other values" in
            r.getMessage()]


def test_scoring_calls_warn_only_of_the_columns_they_read(caplog):
    mdata = _muon_like()
    emb = np.random.default_rng(1).normal(size=(mdata.n_obs, 5))
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.evaluate(mdata, {"x": emb}, baseline=True, progress_bar=False, report=False)
        jae.baseline.svd_baseline_from(mdata)
    assert _warned(caplog) == []
    assert any("'leiden'" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)  # still said
    caplog.clear()
    mdata["rna"].obs["cell_type"] = mdata.obs["cell_type"].to_numpy()[::-1]  # a column evaluate reads: warned
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.evaluate(mdata, {"x": emb}, progress_bar=False, report=False)
    assert [m.split(" holds")[0] for m in _warned(caplog)] == ["obs column 'cell_type'"]


def test_a_name_ending_in_a_star_covers_the_columns_it_begins(caplog):
    mdata = _muon_like()
    mdata.obs["pseudotime_order_note"] = "a"
    mdata["rna"].obs["pseudotime_order_note"] = "b"
    with caplog.at_level(logging.INFO, logger="jae"), reading_columns(["pseudotime_order_*"]):
        cell_obs(mdata)
    assert [m.split(" holds")[0] for m in _warned(caplog)] == ["obs column 'pseudotime_order_note'"]
