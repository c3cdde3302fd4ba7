"""evaluate_embedding refuses an organism it has no cell-cycle genes of, given with the GEX, before the graph (s36)."""

from __future__ import annotations

import numpy as np
import pytest

import jae.metrics
import jae.metrics.suite
from jae.datasets import simulate
from jae.evaluation import lognormalized_gex


@pytest.fixture(scope="module")
def data():
    mdata = simulate(120, n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    gex, genes = lognormalized_gex(mdata)
    return mdata, gex, genes


@pytest.mark.parametrize("organism", ["humna", "zebrafish", None])
def test_an_unknown_organism_with_the_gex_is_refused_before_the_graph(data, organism, monkeypatch):
    # organism='humna' (a typo) made cc_cons n/a after every other metric was scored, and overall became the mean of
    # the other five: a different number, with only a log line
    mdata, gex, genes = data
    monkeypatch.setattr(jae.metrics.suite, "knn_and_cluster_sums", lambda *a, **k: pytest.fail("graph built"))
    E = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    with pytest.raises(ValueError, match=rf"^evaluate_embedding: organism={organism!r}: jae has the cell-cycle genes "
                                         r"of human and mouse only; pass organism='human' or 'mouse', or leave out "
                                         r"gex= and gex_var_names= \(cc_cons n/a\)$"):
        jae.metrics.evaluate_embedding(E, cell_type=mdata.obs["cell_type"], batch=mdata.obs["batch"], gex=gex,
                                       gex_var_names=genes, organism=organism, progress_bar=False)


def test_the_names_cell_cycle_reference_takes_are_accepted(data):
    mdata, gex, genes = data
    E = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    scores = [jae.metrics.evaluate_embedding(E, cell_type=mdata.obs["cell_type"], batch=mdata.obs["batch"], gex=gex,
                                             gex_var_names=genes, organism=organism, progress_bar=False,
                                             diagnostics=False)["cc_cons"] for organism in ("human", " Homo sapiens")]
    assert np.isfinite(scores[0]) and scores[0] == scores[1]
