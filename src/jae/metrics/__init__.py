"""Integration metrics of the NeurIPS 2021 joint-embedding task, faithful to scib 1.1.7 and fast.

Each metric is a pure function (arrays in, float out). :func:`evaluate_embedding` runs all six and their mean,
computing the kNN graph once. Modality prediction: :func:`rmse` (the competition's score), :func:`mae`,
:func:`pearson`.
"""

from __future__ import annotations

from ._graph import NeighborGraph, neighbor_graph
from .cell_cycle_cons import CellCycleReference, cc_cons, cell_cycle_reference, variance_explained
from .clustering import RESOLUTIONS, louvain, nmi
from .connectivity import graph_connectivity
from .prediction import mae, pearson, rmse
from .silhouette import asw_batch, asw_label, silhouette_samples
from .suite import BATCH_METRICS, BIO_METRICS, METRICS, evaluate_embedding
from .trajectory import diffusion_pseudotime, ti_cons, trajectory_conservation

__all__ = [
    "NeighborGraph",
    "neighbor_graph",
    "nmi",
    "louvain",
    "RESOLUTIONS",
    "asw_label",
    "asw_batch",
    "silhouette_samples",
    "graph_connectivity",
    "CellCycleReference",
    "cell_cycle_reference",
    "cc_cons",
    "variance_explained",
    "ti_cons",
    "trajectory_conservation",
    "diffusion_pseudotime",
    "evaluate_embedding",
    "METRICS",
    "BIO_METRICS",
    "BATCH_METRICS",
    "rmse",
    "mae",
    "pearson",
]
