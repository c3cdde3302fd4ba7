"""Oracle tests: jae.metrics against scib 1.1.7 on the BMMC starter sets (values in tests/fixtures/scib/)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from jae import metrics

FIXTURES = Path(__file__).parent / "fixtures" / "scib"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())
TOL = 0.01  # the faithfulness target; in practice jae and scib agree to ~1e-6


def _recipes():
    spec = importlib.util.spec_from_file_location("scib_recipes", FIXTURES / "recipes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=sorted(REFERENCE["tasks"]))
def scored(request, data_dir):
    """jae's metrics for the three reference embeddings of one starter set."""
    recipes = _recipes()
    task = request.param
    solution = recipes.read(data_dir, task, "solution")
    obs = solution.obs
    pseudotime = obs[[c for c in obs.columns if c.startswith("pseudotime_order_")]]
    reference = metrics.cell_cycle_reference(
        solution.X, solution.var_names, obs["batch"], organism=solution.uns["organism"]
    )
    out = {}
    for name, E in recipes.embeddings(data_dir, task).items():
        expected = REFERENCE["tasks"][task][name]
        assert list(E.shape) == expected["embedding_shape"]
        np.testing.assert_allclose(np.abs(E.astype(np.float64)).sum(), expected["embedding_abs_sum"], rtol=1e-4)
        graph = metrics.neighbor_graph(E)
        got = metrics.evaluate_embedding(
            E, cell_type=obs["cell_type"], batch=obs["batch"], pseudotime=pseudotime, cell_cycle=reference,
            progress_bar=False,
        ).to_dict()
        for column in pseudotime.columns:
            mod = column.rsplit("_", 1)[1]
            got[f"ti_cons_{mod}"] = metrics.trajectory_conservation(
                E, obs["cell_type"], obs[column], batch=obs["batch"], graph=graph
            )
            got[f"ti_cons_nobatch_{mod}"] = metrics.trajectory_conservation(E, obs["cell_type"], obs[column], graph=graph)
        out[name] = (got, expected)
    return task, out


@pytest.mark.parametrize(
    "metric", ["nmi", "asw_label", "asw_batch", "graph_conn", "cc_cons", "ti_cons", "overall"]
)
def test_suite_matches_scib(scored, metric):
    task, results = scored
    for name, (got, expected) in results.items():
        assert got[metric] == pytest.approx(expected[metric], abs=TOL), f"{task}/{name}/{metric}"


def test_trajectory_per_modality_matches_scib(scored):
    task, results = scored
    for name, (got, expected) in results.items():
        keys = [k for k in expected if k.startswith("ti_cons_")]
        assert len(keys) == 4
        for key in keys:
            assert got[key] == pytest.approx(expected[key], abs=TOL), f"{task}/{name}/{key}"


def test_reference_covers_three_embeddings_per_set():
    for task, per_embedding in REFERENCE["tasks"].items():
        assert len(per_embedding) >= 3, task
        overall = [v["overall"] for v in per_embedding.values()]
        assert len(set(np.round(overall, 3))) == len(overall)  # genuinely different embeddings
