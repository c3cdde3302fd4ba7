"""Embeddings whose coordinates the metrics' float32 distances cannot hold are refused in one line, before any work
(s52): scaled by 1e20 they failed in ARPACK after the graph and two metrics; shifted far from the origin or scaled by
1e-20 they were scored without a word, their cells rounded together (graph_conn 1 -> 0.69, asw_batch 1)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae import metrics


def _cells(n=60, seed=0):
    rng = np.random.default_rng(seed)
    E = rng.normal(size=(n, 6))
    types = np.array(["a", "b", "c"])[np.arange(n) % 3]
    E[:, 0] += 3 * (np.arange(n) % 3)
    batch = np.array(["x", "y"])[np.arange(n) % 2]
    return E, types, batch


@pytest.mark.parametrize("change, problem", [
    (lambda E: E * 1e20, r"its cells span \S+ \(more than 1e\+15: their squared distances overflow\)"),
    (lambda E: E * 1e-20, r"its cells span only \S+ \(less than 1e-15: their squared distances underflow\)"),
    (lambda E: E + 1e8, r"its coordinates reach \S+, more than 10,000 times the \S+ its cells span"),
    (lambda E: np.c_[E, np.full(len(E), 1e12)], r"its coordinates reach 1e\+12, more than 10,000 times"),
])
def test_coordinates_out_of_float32_reach_are_refused_before_the_graph(change, problem, monkeypatch):
    E, types, batch = _cells()
    monkeypatch.setattr(metrics._graph, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(ValueError, match=r"^embedding has coordinates the metrics' float32 distances cannot hold: "
                                         + problem + r".*; centre and scale it first .*\(E - E.mean\(axis=0\)\) / E.std\(\)$"):
        metrics.evaluate_embedding(change(E), cell_type=types, batch=batch, progress_bar=False)


def test_evaluate_names_the_embedding_and_writes_nothing(tmp_path):
    E, types, batch = _cells()
    data = ad.AnnData(np.zeros((len(E), 1), dtype=np.float32), obs=pd.DataFrame(
        {"cell_type": types, "batch": batch}, index=[f"c{i}" for i in range(len(E))]))
    out = tmp_path / "report"
    with pytest.raises(ValueError, match=r"^embedding 'shifted' has coordinates the metrics' float32 distances"):
        jae.evaluate(data, {"fine": E, "shifted": E + 1e8}, report_dir=out, progress_bar=False)
    assert not out.exists()


def test_embeddings_within_reach_are_scored_as_before():
    # a moderate shift or scale, and an integer embedding, are scored; shifted by 1e3 times its span the scores stay
    # those of the centred embedding
    E, types, batch = _cells()
    base = metrics.evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False, diagnostics=False)
    for other in (E + 1e3, E * 1e10, E * 1e-10):
        scores = metrics.evaluate_embedding(other, cell_type=types, batch=batch, progress_bar=False, diagnostics=False)
        np.testing.assert_allclose(scores.to_numpy(), base.to_numpy(), atol=1e-5)
    assert np.isfinite(metrics.evaluate_embedding((E * 10).astype(int), cell_type=types, batch=batch,
                                                  progress_bar=False, diagnostics=False)["overall"])
