"""Integration metrics of the NeurIPS 2021 joint-embedding task, faithful to scib 1.1.7 and fast.

Each metric is a pure function (arrays in, float out). :func:`evaluate_embedding` runs all six and their mean,
computing the kNN graph once (exact up to 100,000 cells, approximate above: ``knn=``), plus diagnostics outside the mean (:func:`diagnose_embedding`: iLISI / cLISI,
:func:`cc_cons_details`, :func:`embedding_variance_shares`). Modality prediction: :func:`rmse` (the competition's score), :func:`mae`,
:func:`pearson`.
"""

from __future__ import annotations

from ._graph import NeighborGraph, neighbor_graph
from .cell_cycle_cons import (
    CellCycleReference,
    cc_cons,
    cc_cons_details,
    cell_cycle_reference,
    cell_cycle_reference_blocks,
    variance_explained,
)
from .clustering import RESOLUTIONS, louvain, nmi
from .connectivity import graph_connectivity
from .diagnostics import DIAGNOSTICS, diagnose_embedding, embedding_variance_shares
from .mixing import clisi, ilisi, lisi, lisi_neighbors, shortest_path_neighbors
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
    "cell_cycle_reference_blocks",
    "cc_cons",
    "cc_cons_details",
    "variance_explained",
    "ti_cons",
    "trajectory_conservation",
    "diffusion_pseudotime",
    "evaluate_embedding",
    "diagnose_embedding",
    "DIAGNOSTICS",
    "embedding_variance_shares",
    "ilisi",
    "clisi",
    "lisi",
    "lisi_neighbors",
    "shortest_path_neighbors",
    "METRICS",
    "BIO_METRICS",
    "BATCH_METRICS",
    "rmse",
    "mae",
    "pearson",
]
