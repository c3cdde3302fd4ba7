"""Session 38: jae.metrics' nmi, graph_connectivity, trajectory_conservation and ti_cons, called alone on fewer than
16 cells, built a graph of 15 neighbours per cell that those cells cannot have (scanpy's fallback: half the cells)
and returned scores (10 cells: nmi 0.43, graph_connectivity 1.0); they now refuse in one line, as
evaluate_embedding, the LISI functions and jae.evaluate do, from one constant (jae._neighbours.MIN_SCORED_CELLS)."""

from __future__ import annotations

import numpy as np
import pytest

import jae.evaluation.checks as evaluation_checks
from jae.metrics import _graph, graph_connectivity, neighbor_graph, nmi, ti_cons, trajectory_conservation

FLOOR = r"the embedding has 15 cells, fewer than the 16 the metrics need .*score at least 16 cells"


def _cells(n):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)), np.array(["a", "b"] * (n // 2) + ["a"] * (n % 2)), np.linspace(0, 1, n)


@pytest.mark.parametrize("name", ["nmi", "graph_connectivity", "trajectory_conservation", "ti_cons"])
def test_graph_metrics_refuse_fewer_than_16_cells(name):
    E, ct, pt = _cells(15)
    call = {"nmi": lambda: nmi(E, ct), "graph_connectivity": lambda: graph_connectivity(E, ct),
            "trajectory_conservation": lambda: trajectory_conservation(E, ct, pt), "ti_cons": lambda: ti_cons(E, ct, pt)}
    with pytest.raises(ValueError, match=rf"^{name}: {FLOOR}$"):
        call[name]()


def test_16_cells_and_a_given_graph_are_scored_as_before():
    E, ct, pt = _cells(16)
    assert 0.0 <= nmi(E, ct) <= 1.0 and 0.0 < graph_connectivity(E, ct) <= 1.0
    assert np.isfinite(ti_cons(E, ct, pt))
    small, ct_small, _ = _cells(15)  # a graph the caller built (neighbor_graph warns of it): scored as it is
    assert graph_connectivity(None, ct_small, graph=neighbor_graph(small)) == 1.0


def test_one_floor_for_the_metrics_and_jae_evaluate():
    assert evaluation_checks.MIN_SCORED_CELLS is _graph.MIN_SCORED_CELLS == _graph.N_NEIGHBORS + 1
