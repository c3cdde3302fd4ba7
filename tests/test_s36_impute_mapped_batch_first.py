"""Session 36 audit: jae.impute with a mapped model refuses cells without a batch before reading their counts."""

from __future__ import annotations

import pytest

import jae
import jae.query.features
from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_a_mapped_model_refuses_cells_without_a_batch_before_their_features_are_computed(monkeypatch):
    """RNA-only cells without obs['batch'] given to a map_query model: the missing column was said only after every
    cell's features were computed (for a file, a whole pass over its counts); now before any of them is read."""
    ref = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=1)
    query = simulate(120, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=2)
    query.obs["batch"] = ["q" + str(b) for b in query.obs["batch"]]
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False)
    mapped = model.map_query(query, batch_key="batch", progress_bar=False)
    rna = query["rna"].copy()
    rna.obs = query.obs.copy()
    assert jae.impute(mapped, rna).n_obs == 120  # with its batches: imputed
    del rna.obs["batch"]
    calls = []
    real = jae.query.features.query_features
    monkeypatch.setattr(jae.query.features, "query_features", lambda *a, **k: calls.append(1) or real(*a, **k))
    with pytest.raises(ValueError, match=r"made by map_query .* no such column: add it"):
        jae.impute(mapped, rna)
    assert not calls  # refused before the cells' features were computed
    assert jae.impute(mapped, rna, method="regression").n_obs == 120  # the regression reads no batch
