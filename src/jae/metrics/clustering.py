"""NMI between cell types and the best Louvain clustering of the embedding's kNN graph (scib's ``nmi``).

The competition ran ``sc.pp.neighbors`` on the embedding, then scib's ``opt_louvain``: ``sc.tl.louvain`` (the
``louvain`` package, seed 0, unweighted directed graph of the connectivities) at resolutions 0.1, 0.2, ..., 2.0,
keeping the best arithmetic-mean NMI against the cell types. :mod:`jae.metrics._louvain` reproduces that
clustering exactly (the ``louvain`` package itself needs igraph < 0.12).
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._flags import check_flags, is_whole
from ..config import as_seed
from ._graph import NeighborGraph, _cell_type_inputs, _labelled_graph
from ._labels import codes
from ._louvain import louvain_membership, louvain_memberships

__all__ = ["nmi", "louvain", "RESOLUTIONS"]

log = logging.getLogger(__name__)

#: scib's opt_louvain resolutions: 0.1 to 2.0 in steps of 0.1.
RESOLUTIONS = tuple(2 * x / 20 for x in range(1, 21))


def _resolutions(resolutions) -> tuple[float, ...]:
    """``resolutions`` as a tuple of floats, refused in one line unless a non-empty list of numbers >= 0 (none: an
    IndexError; one number: a TypeError; a negative one: a clustering that looks like one; 0 is one cluster)."""
    values = [resolutions] if isinstance(resolutions, (str, bytes)) else resolutions
    try:
        values = list(values)
    except TypeError:
        values = None
    if values is None or not values or not all(
        isinstance(r, numbers.Real) and not isinstance(r, bool) and np.isfinite(r) and r >= 0 for r in values
    ):
        raise ValueError(f"resolutions must be a non-empty list of numbers >= 0 (scib: 0.1, 0.2, ..., 2.0), not "
                         f"{resolutions!r}; e.g. resolutions=[1.0]")
    return tuple(float(r) for r in values)


def louvain(connectivities: sp.spmatrix, *, resolution: float = 1.0, seed: int = 0, weighted: bool = False) -> np.ndarray:
    """Louvain clustering of a kNN graph, identical to ``scanpy.tl.louvain`` with the same resolution and seed.

    Parameters
    ----------
    connectivities
        ``(n_cells, n_cells)`` sparse graph, e.g. :attr:`NeighborGraph.connectivities`.
    resolution
        Resolution of the modularity (RB configuration) quality.
    seed
        Random seed (scanpy's ``random_state``).
    weighted
        Use the connectivities as edge weights; scanpy's default (and scib's NMI) ignores them.

    Returns
    -------
    ``(n_cells,)`` int cluster labels, 0 for the largest cluster.
    """
    check_flags(weighted=weighted)  # a text such as 'no' would weight the edges
    if isinstance(resolution, bool) or not isinstance(resolution, numbers.Real) or not resolution >= 0 or not np.isfinite(
            resolution):  # '1' ran in numba's arithmetic, -1 gave a clustering that looks like one
        raise ValueError(f"resolution must be a number >= 0 (scanpy's default 1.0), not {resolution!r}")
    return louvain_membership(connectivities, resolution=resolution, seed=as_seed(seed), weighted=weighted)


def nmi(
    embedding,
    cell_type: Sequence,
    *,
    graph: NeighborGraph | None = None,
    resolutions: Sequence[float] = RESOLUTIONS,
    seed: int = 0,
    device: str | None = None,
    n_jobs: int | None = None,
) -> float:
    """Best NMI between cell types and Louvain clusterings of the kNN graph over ``resolutions``.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array of at least 16 cells (fewer are refused: the graph has 15 neighbours per
        cell); ignored when ``graph`` is given.
    cell_type
        ``(n_cells,)`` labels.
    graph
        Precomputed :func:`jae.metrics.neighbor_graph` of the embedding.
    resolutions
        Louvain resolutions tried (scib: 0.1 to 2.0).
    seed
        Louvain seed.
    device
        Torch device for the kNN search.
    n_jobs
        Threads clustering the resolutions in parallel (default: all usable CPUs: ``NUMBA_NUM_THREADS`` or the CPU
        affinity, at most a Slurm job's ``SLURM_CPUS_PER_TASK`` and a container's CPU quota).

    Returns
    -------
    NMI (arithmetic normalisation) in [0, 1] at the best resolution; NaN (with a warning) for a single cell type,
    as in :func:`jae.metrics.evaluate_embedding`.
    """
    seed = as_seed(seed)  # 1.5 ran as seed 1, -1 as some other seed
    resolutions = _resolutions(resolutions)
    if n_jobs is not None and not is_whole(n_jobs, 1):
        raise ValueError(f"nmi: n_jobs must be a whole number of threads, 1 or more (or None: all usable CPUs), not "
                         f"{n_jobs!r}")  # 'a' failed after the graph; 2.5, True and -3 ran as some number of threads
    E, labels = _cell_type_inputs(embedding, cell_type, graph, "nmi")  # before the graph: 10 cells scored 0.43
    if len(np.unique(labels)) < 2:  # its best NMI is 1 if some resolution gives one cluster, else 0: chance
        log.warning("nmi is undefined for a single cell type (the score would say whether some Louvain resolution "
                    "gives one cluster, not how good the embedding is); reporting NaN")
        return float("nan")
    from sklearn.metrics import normalized_mutual_info_score  # scikit-learn (0.8 s) where NMI is computed

    graph = _labelled_graph(E, graph, labels, "nmi", device)
    _, label_codes = codes(labels)  # integer codes: same NMI, without sorting strings for every resolution
    best, best_res = 0.0, resolutions[0]
    clusterings = louvain_memberships(graph.connectivities, resolutions, seed=seed, n_jobs=n_jobs)
    for res, clusters in zip(resolutions, clusterings):
        score = normalized_mutual_info_score(label_codes, clusters, average_method="arithmetic")
        if score > best:
            best, best_res = score, res
    log.debug("nmi: best %.4f at resolution %s", best, best_res)
    return float(best)
