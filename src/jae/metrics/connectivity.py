"""Graph connectivity (scib's ``graph_connectivity``): how connected each cell type is in the kNN graph."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse.csgraph import connected_components

from ._graph import NeighborGraph, _cell_type_inputs, _labelled_graph

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
    E, labels = _cell_type_inputs(embedding, cell_type, graph, "graph_connectivity")  # 10 cells scored 1.0 without
    C = _labelled_graph(E, graph, labels, "graph_connectivity", device).connectivities.tocsr()
    fractions = []
    for t in np.unique(labels):
        idx = np.flatnonzero(labels == t)
        _, comp = connected_components(C[idx][:, idx], directed=True, connection="strong")
        fractions.append(np.bincount(comp).max() / len(idx))
    return float(np.mean(fractions))
