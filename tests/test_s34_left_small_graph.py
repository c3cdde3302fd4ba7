"""jae.metrics.neighbor_graph (and the graph metrics called directly: nmi, graph_conn, ...) on fewer cells than
n_neighbors built a graph of every cell (k = n), where scanpy.pp.neighbors, which scib's metrics run on, adjusts to
1 + n // 2 neighbours with a warning: another graph and other scores than scib's. It now adjusts as scanpy does;
from 15 cells on nothing changes."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

from jae.metrics import neighbor_graph


@pytest.mark.parametrize("n", [6, 10, 14])
def test_fewer_cells_than_neighbours_give_scanpys_graph(n, caplog):
    sc = pytest.importorskip("scanpy")
    E = np.random.default_rng(n).normal(size=(n, 4)).astype(np.float32)
    a = ad.AnnData(np.zeros((n, 1), np.float32))
    a.obsm["e"] = E
    sc.pp.neighbors(a, use_rep="e")
    with caplog.at_level(logging.WARNING, logger="jae"):
        g = neighbor_graph(E, device="cpu")
    assert g.indices.shape == (n, 1 + n // 2) == (n, a.uns["neighbors"]["params"]["n_neighbors"])
    assert np.abs(g.connectivities.toarray() - a.obsp["connectivities"].toarray()).max() < 1e-5
    assert f"{n} cells, fewer than n_neighbors: {1 + n // 2} neighbours per cell" in caplog.text


def test_fifteen_cells_and_more_keep_fifteen_neighbours(caplog):
    for n in (15, 16):
        E = np.random.default_rng(n).normal(size=(n, 4)).astype(np.float32)
        with caplog.at_level(logging.WARNING, logger="jae"):
            assert neighbor_graph(E, device="cpu").indices.shape == (n, 15)
    assert "fewer than n_neighbors" not in caplog.text


def test_evaluate_embedding_on_few_cells_is_refused_not_scored_on_another_graph():
    """jae.metrics.evaluate_embedding built its own graph of every cell below 15 cells (its nmi 0.61 against 0.30 on
    scanpy's graph); since session 37 it refuses fewer than 16 cells (test_s37_leftB_evaluate_floor.py), so no score
    of another graph than the metrics' own is given."""
    from jae.metrics import evaluate_embedding

    E = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="fewer than the 16 the metrics need"):
        evaluate_embedding(E, cell_type=np.array(list("abc") * 4), device="cpu", progress_bar=False)
