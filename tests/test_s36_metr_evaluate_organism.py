"""jae.evaluate refuses an organism without cell-cycle genes with a fix that applies to scoring (s36)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
import jae.metrics
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    mdata = simulate(60, n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    mdata.obsm["X_z"] = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    return mdata


@pytest.mark.parametrize("organism", ["zebrafish", "humna"])
def test_the_refusal_names_a_fix_for_scoring_not_for_fitting(data, organism, monkeypatch):
    # the refusal was fit's, ending "or JAEConfig(n_phase=0) to fit another organism without the cell-cycle block",
    # a fix for training, not for scoring embeddings
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", lambda *a, **k: pytest.fail("scored"))
    with pytest.raises(ValueError, match=rf"^organism='{organism}': jae has the cell-cycle genes \(for cc_cons\) of "
                                         r"human and mouse only; pass organism='human' or 'mouse', or organism=None to "
                                         r"read uns\['organism'\] or tell it from the gene names \(for another species "
                                         r"cc_cons is then n/a\)$"):
        jae.evaluate(data, ["X_z"], organism=organism, progress_bar=False)


def test_the_fix_it_names_scores(data):
    table = jae.evaluate(data, ["X_z"], organism=None, progress_bar=False)
    assert np.isfinite(table.loc["X_z", "cc_cons"])
    assert jae.evaluate(data, ["X_z"], organism="Homo sapiens", progress_bar=False).equals(table)
