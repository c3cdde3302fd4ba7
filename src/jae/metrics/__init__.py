"""Integration metrics of the NeurIPS 2021 joint-embedding task, faithful to scib 1.1.7 and fast.

Each metric is a pure function (arrays in, float out). :func:`evaluate_embedding` runs all six and their mean,
computing the kNN graph once (exact up to 100,000 cells, approximate above: ``knn=``), plus diagnostics outside the mean (:func:`diagnose_embedding`: iLISI / cLISI,
:func:`cc_cons_details`, :func:`embedding_variance_shares`). Modality prediction: :func:`rmse` (the competition's score), :func:`mae`,
:func:`pearson`.
"""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): ``import jae.metrics`` and the scores
#: that need neither (:func:`rmse`) do not pay for scikit-learn and torch (3 s) until a metric needs them.
_NAMES = {
    "NeighborGraph": "_graph", "neighbor_graph": "_graph", "nmi": "clustering", "louvain": "clustering",
    "RESOLUTIONS": "clustering", "asw_label": "silhouette", "asw_batch": "silhouette",
    "silhouette_samples": "silhouette", "graph_connectivity": "connectivity", "CellCycleReference": "cell_cycle_cons",
    "cell_cycle_reference": "cell_cycle_cons", "cell_cycle_reference_blocks": "cell_cycle_cons",
    "cc_cons": "cell_cycle_cons", "cc_cons_details": "cell_cycle_cons", "variance_explained": "cell_cycle_cons",
    "ti_cons": "trajectory", "trajectory_conservation": "trajectory", "diffusion_pseudotime": "trajectory",
    "evaluate_embedding": "suite", "diagnose_embedding": "diagnostics", "DIAGNOSTICS": "diagnostics",
    "embedding_variance_shares": "diagnostics", "ilisi": "mixing", "clisi": "mixing", "lisi": "mixing",
    "lisi_neighbors": "mixing", "shortest_path_neighbors": "mixing", "METRICS": "suite", "BIO_METRICS": "suite",
    "BATCH_METRICS": "suite", "rmse": "prediction", "mae": "prediction", "pearson": "prediction",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
