"""Graph connectivity (scib's ``graph_connectivity``): how connected each cell type is in the kNN graph."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse.csgraph import connected_components

from ._graph import NeighborGraph, _as_float_matrix, check_graph, check_scored_cells, neighbor_graph
from ._labels import as_labels, by_cells

__all__ = ["graph_connectivity"]


def graph_connectivity(
    embedding, cell_type: Sequence, *, graph: NeighborGraph | None = None, device: str | None = None
) -> float:
    """Mean over cell types of the fraction of the type's cells in its largest connected component.

    The graph of each cell type is the kNN graph restricted to that type's cells.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array of at least 16 cells (fewer are refused: the graph has 15 neighbours per
        cell); ignored when ``graph`` is given.
    cell_type
        ``(n_cells,)`` labels.
    graph
        Precomputed :func:`jae.metrics.neighbor_graph` of the embedding.
    device
        Torch device for the kNN search.

    Returns
    -------
    Score in (0, 1]; 1 when every cell type forms one connected piece.
    """
    check_graph(graph)
    E = _as_float_matrix(embedding) if graph is None else None  # checked before the graph is built
    if E is not None:  # 10 cells scored 1.0 on a graph of 15 neighbours per cell that cannot exist
        check_scored_cells(E.shape[0], "graph_connectivity")
    labels = as_labels(by_cells(embedding, cell_type, "cell_type"), name="cell_type",
                       n_cells=None if E is None else E.shape[0])
    if graph is None:
        graph = neighbor_graph(E, device=device)
    if graph.n_cells != len(labels):
        raise ValueError(
            f"graph_connectivity: the graph has {graph.n_cells} cells but cell_type has {len(labels)}; align them"
        )
    C = graph.connectivities.tocsr()
    fractions = []
    for t in np.unique(labels):
        idx = np.flatnonzero(labels == t)
        _, comp = connected_components(C[idx][:, idx], directed=True, connection="strong")
        fractions.append(np.bincount(comp).max() / len(idx))
    return float(np.mean(fractions))
