"""In a Python script under ``torchrun`` every process runs ``map_query`` (not data-parallel) and ``jae.evaluate``, and
each drew its own 'mapping query', 'metrics' and 'UMAPs' bar over process 0's on the same terminal; the fit's bars
(preprocessing, training) and the predictor's were already process 0's alone. Now these are too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.metrics.suite import evaluate_embedding


def _launched(monkeypatch, rank: str) -> None:
    """This process as process ``rank`` of a two-process ``torchrun`` launch (no process group is made)."""
    for name in ("LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)


@pytest.fixture(scope="module")
def fitted():
    m = simulate(240, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=0)
    query = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    ref, q = m[~query].copy(), m[query].copy()
    for mod in [q, *q.mod.values()]:
        mod.obs["batch"] = "new_sample"
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(ref, progress_bar=False)
    return model, q


@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_only_process_0_draws_the_mapping_bar(monkeypatch, capsys, fitted, rank, shown):
    model, q = fitted
    _launched(monkeypatch, rank)
    capsys.readouterr()
    model.map_query(q, batch_key="batch", epochs=1, progress_bar=True)
    assert ("mapping query" in capsys.readouterr().err) == shown


@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_only_process_0_draws_the_metrics_bar(monkeypatch, capsys, rank, shown):
    _launched(monkeypatch, rank)
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b", "c"], 30)
    E = rng.normal(size=(90, 4)) + (labels == "a")[:, None] * 3
    scores = evaluate_embedding(E, cell_type=labels, batch=np.tile(["x", "y"], 45), progress_bar=True,
                                diagnostics=False)
    assert np.isfinite(scores["nmi"])
    assert ("metrics" in capsys.readouterr().err) == shown


@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_only_process_0_draws_the_umap_bar(monkeypatch, capsys, tmp_path, rank, shown):
    from jae.report import write_report

    _launched(monkeypatch, rank)
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b"], 30)
    table = pd.DataFrame({"overall": [0.5]}, index=["e"])
    write_report(table, {"e": rng.normal(size=(60, 3))}, tmp_path / "r", cell_type=labels, progress_bar=True)
    assert ("UMAPs" in capsys.readouterr().err) == shown
