"""Trajectory conservation (scib's ``trajectory_conservation``, the competition's ``ti_cons_batch``).

For the cells with a reference pseudotime: take the embedding's kNN graph restricted to them, keep its largest
connected component, pick the root cell among the cells of the earliest cell type (lowest mean reference
pseudotime) by their extreme diffusion-map coordinates, compute diffusion pseudotime (DPT) from that root, and
compare it with the reference pseudotime by Spearman correlation (per batch, then averaged, as the competition
did), rescaled to (r + 1) / 2. Cells outside the largest component get pseudotime 0. When no cell of the earliest
type lies in the largest component, scib scores 0, and so does this (with a warning).

Diffusion map and DPT follow scanpy (``tl.diffmap`` with 15 components and ``tl.dpt`` with 10): density-normalised
symmetric transition matrix, ARPACK eigenvectors from a seeded start vector.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.stats import rankdata

from ..config import as_seed
from ._graph import NeighborGraph, _as_float_matrix, check_graph, check_scored_cells, neighbor_graph
from ._labels import as_labels, by_cells

__all__ = ["ti_cons", "trajectory_conservation", "diffusion_pseudotime"]

log = logging.getLogger(__name__)

N_DIFFMAP = 15  # scanpy.tl.diffmap default
N_DCS = 10  # scanpy.tl.dpt default
ROOT_DIMS = 3  # scib get_root's dpt_dim


def _diffmap(C: sp.csr_matrix, n_comps: int = N_DIFFMAP, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (decreasing) and eigenvectors of scanpy's symmetric diffusion operator of ``C``."""
    from scipy.sparse.linalg import eigsh

    C = sp.csr_matrix(C, dtype=np.float64)
    n = C.shape[0]
    dens = np.asarray(C.sum(axis=0)).ravel()
    D = sp.diags(1.0 / dens)
    K = D @ C @ D
    z = np.sqrt(np.asarray(K.sum(axis=0)).ravel())
    Z = sp.diags(1.0 / z)
    T = (Z @ K @ Z).astype(np.float64)
    k = min(n - 1, n_comps)
    if n <= 2 * k + 2:  # ARPACK needs k < n; tiny graphs are solved densely
        evals, evecs = np.linalg.eigh(T.toarray())
        order = np.argsort(np.abs(evals))[::-1][:k]
        evals, evecs = evals[order], evecs[:, order]
        order = np.argsort(evals)
    else:
        v0 = np.random.RandomState(seed).standard_normal(n)
        evals, evecs = eigsh(T, k=k, which="LM", v0=v0)
        order = np.arange(k)
    evals, evecs = evals[order].astype(np.float32), evecs[:, order].astype(np.float32)
    return evals[::-1], evecs[:, ::-1]


def diffusion_pseudotime(evals: np.ndarray, evecs: np.ndarray, root: int, *, n_dcs: int = N_DCS) -> np.ndarray:
    """Scanpy's DPT distance of every cell from ``root``, scaled to a maximum of 1.

    Parameters
    ----------
    evals, evecs
        ``(k,)`` decreasing eigenvalues and ``(n_cells, k)`` eigenvectors from the diffusion map.
    root
        Index of the root cell.
    n_dcs
        Number of diffusion components used.

    Returns
    -------
    ``(n_cells,)`` float32 pseudotime, 0 at the root; NaN everywhere when every cell lies at distance 0 from the
    root (a diffusion map of its stationary component alone, e.g. two cells), as scanpy's.
    """
    evals, evecs = evals[:n_dcs], evecs[:, :n_dcs]
    diff = evecs[root][None, :] - evecs
    stationary = evals >= 0.9994  # scanpy's float32 cut-off
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(stationary, 1.0, evals / (1.0 - evals)).astype(np.float32)
    dist = np.sqrt(((weight[None, :] * diff) ** 2).sum(axis=1))
    finite = np.isfinite(dist)
    with np.errstate(invalid="ignore", divide="ignore"):  # every distance 0 (a graph of two cells): NaN, as scanpy
        return (dist / dist[finite].max()).astype(np.float32)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2:
        return float("nan")
    ra, rb = rankdata(a), rankdata(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _root(evecs: np.ndarray, candidates: np.ndarray) -> int:
    votes = np.zeros(len(candidates))
    for dim in range(min(ROOT_DIMS, evecs.shape[1])):
        values = evecs[candidates, dim]
        pick = np.argmin if values.mean() < evecs[:, dim].mean() else np.argmax
        votes[pick(values)] += 1
    return int(candidates[np.argmax(votes)])


def _as_times(values, name: str) -> np.ndarray:
    """One reference pseudotime as a flat float64 array, refused in one line naming ``name`` when it holds several
    columns or values that are not numbers."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_numeric_dtype(dtype):
        values = values.to_numpy(dtype=np.float64, na_value=np.nan)  # pandas' nullable numbers, NA as NaN (pandas 2.0)
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raw = np.asarray(values).ravel()
        first = next((v for v in raw if not isinstance(v, (int, float, np.number))), raw[0])
        first = first.item() if isinstance(first, np.generic) else first
        raise ValueError(f"{name} holds values that are not numbers (e.g. {first!r}); pass numeric pseudotimes, "
                         "NaN for cells off the trajectory") from None
    if arr.ndim > 1 and sum(d > 1 for d in arr.shape) > 1:
        raise ValueError(f"{name} is an array of shape {arr.shape}, several values per cell; pass one pseudotime per "
                         "modality as a DataFrame or {name: (n_cells,) values}")
    return arr.ravel()


def _too_few_times(found: int) -> str:
    """Why a pseudotime with ``found`` (< 3) cells on the trajectory cannot be scored."""
    return "no cell has a pseudotime" if found == 0 else f"only {found} cell(s) have a pseudotime (3 or more needed)"


def _pseudotime_columns(pseudotime, embedding=None) -> dict[str, np.ndarray]:
    """Reference pseudotime(s) by name, each a float64 array in the cells' order of ``embedding`` (Series and
    DataFrames aligned by cell name as :func:`~jae.metrics._labels.by_cells`)."""
    if pseudotime is None:
        return {}
    pseudotime = by_cells(embedding, pseudotime, "pseudotime")
    if isinstance(pseudotime, pd.DataFrame):
        return {str(c): _as_times(pseudotime[c], f"pseudotime column {c!r}") for c in pseudotime.columns}
    if isinstance(pseudotime, Mapping):  # each Series of a dict in the embedding's cell order too
        return {str(k): _as_times(by_cells(embedding, v, f"pseudotime[{k!r}]"), f"pseudotime[{k!r}]")
                for k, v in pseudotime.items()}
    return {"pseudotime": _as_times(pseudotime, "pseudotime")}


def trajectory_conservation(
    embedding,
    cell_type: Sequence,
    pseudotime: Sequence[float],
    *,
    batch: Sequence | None = None,
    graph: NeighborGraph | None = None,
    seed: int = 0,
    device: str | None = None,
) -> float:
    """Conservation of one reference pseudotime by the diffusion pseudotime of the embedding's kNN graph.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array of at least 16 cells (fewer are refused: the graph has 15 neighbours per
        cell); ignored when ``graph`` is given.
    cell_type
        ``(n_cells,)`` labels (the earliest type, by mean reference pseudotime, holds the root).
    pseudotime
        ``(n_cells,)`` reference pseudotime, NaN for cells off the trajectory.
    batch
        ``(n_cells,)`` labels: correlate per batch and average (the competition's choice); ``None``: all at once.
    graph
        Precomputed :func:`jae.metrics.neighbor_graph` of the embedding (on all cells).
    seed
        Seed of the ARPACK start vector (0 as scanpy).
    device
        Torch device for the kNN search.

    Returns
    -------
    ``(r + 1) / 2`` in [0, 1] for the Spearman correlation ``r``; 0 when the root type is cut off from the largest
    component; NaN when no cell has a pseudotime.
    """
    seed = as_seed(seed)  # numpy's refusal came after the graph, naming no argument
    check_graph(graph)
    cell_type, pseudotime = by_cells(embedding, cell_type, "cell_type"), by_cells(embedding, pseudotime, "pseudotime")
    batch = by_cells(embedding, batch, "batch") if batch is not None else None
    return _conservation(embedding, cell_type, pseudotime, batch=batch, graph=graph, seed=seed, device=device)[0]


def _conservation(embedding, cell_type, pseudotime, *, batch, graph, seed, device,
                  label: str | None = None) -> tuple[float, str | None]:
    """:func:`trajectory_conservation` and a note when the score is 0 or NaN for a structural reason; ``label`` names
    the pseudotime in the warnings (the competition's two, GEX and ADT, warned in the same words twice)."""
    what = "trajectory conservation" + (f" of {label!r}" if label is not None else "")
    n = graph.n_cells if graph is not None else _as_float_matrix(embedding).shape[0]  # labels checked first
    if graph is None:  # a graph of 15 neighbours per cell: fewer cells scored from one that cannot exist
        check_scored_cells(n, "trajectory_conservation")
    types = as_labels(cell_type, name="cell_type", n_cells=n)
    pt = _as_times(pseudotime, "pseudotime")
    if len(pt) != n:
        raise ValueError(f"pseudotime has {len(pt)} entries but the embedding has {n} cells; align them by cell")
    batches = as_labels(batch, name="batch", n_cells=n) if batch is not None else None
    if graph is None:
        graph = neighbor_graph(embedding, device=device)
    on = np.flatnonzero(np.isfinite(pt))
    if len(on) < 3:
        note = _too_few_times(len(on))
        log.warning("%s is undefined: %s; reporting NaN", what, note)
        return float("nan"), note
    if np.ptp(pt[on]) == 0:
        note = f"the reference pseudotime is {pt[on[0]]:g} for every cell on the trajectory: no order to conserve"
        log.warning("%s is undefined: %s; reporting NaN", what, note)
        return float("nan"), note
    C = graph.connectivities.tocsr()[on][:, on]
    _, comp = connected_components(C, directed=False)
    largest = np.flatnonzero(comp == np.bincount(comp).argmax())
    t_on, p_on = types[on], pt[on]
    start = pd.Series(p_on).groupby(t_on).mean().idxmin()
    candidates = np.flatnonzero(t_on[largest] == start)
    if len(candidates) == 0:
        held = pd.Series(t_on[largest]).value_counts().sort_index().sort_values(ascending=False, kind="stable")
        note = (f"root type {start!r} not in the largest component of the trajectory cells' kNN graph: 0 (as scib); "
                f"the graph has {comp.max() + 1} components, the largest {len(largest)} of the {len(on)} cells ("
                + ", ".join(f"{k}: {v}" for k, v in held.head(3).items()) + (", ..." if len(held) > 3 else "") + ")")
        log.warning("%s: %s", what, note)
        return 0.0, note
    if len(largest) < 2:  # no two trajectory cells are neighbours: a diffusion map of one cell divides by zero
        note = (f"none of the {len(on)} trajectory cells has another trajectory cell among its kNN neighbours: no "
                "graph to diffuse on")
        log.warning("%s is undefined: %s; reporting NaN", what, note)
        return float("nan"), note
    evals, evecs = _diffmap(C[largest][:, largest], seed=seed)
    dpt = np.zeros(len(on), dtype=np.float32)
    sub = diffusion_pseudotime(evals, evecs, _root(evecs, candidates))
    sub[sub > 1] = 0.0
    dpt[largest] = sub
    if batch is None:
        r = _spearman(p_on, dpt)
    else:
        b_on = batches[on]
        rs = [_spearman(p_on[b_on == b], dpt[b_on == b]) for b in dict.fromkeys(b_on)]
        r = float(np.nanmean(rs)) if np.isfinite(rs).any() else float("nan")
    if not np.isfinite(r):
        note = ("no batch has two trajectory cells whose reference and diffusion pseudotimes both vary: no rank "
                "correlation to take")
        log.warning("%s is undefined: %s; reporting NaN", what, note)
        return float("nan"), note
    return (r + 1.0) / 2.0, None


def ti_cons(
    embedding,
    cell_type: Sequence,
    pseudotimes: Mapping[str, Sequence[float]] | pd.DataFrame | Sequence[float],
    *,
    batch: Sequence | None = None,
    graph: NeighborGraph | None = None,
    seed: int = 0,
    device: str | None = None,
) -> float:
    """The competition's trajectory conservation: the mean over the modalities' reference pseudotimes.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array of at least 16 cells (fewer are refused: the graph has 15 neighbours per
        cell); ignored when ``graph`` is given.
    cell_type
        ``(n_cells,)`` labels.
    pseudotimes
        ``{name: (n_cells,) pseudotime}`` or a DataFrame with one column per modality (e.g.
        ``pseudotime_order_GEX`` and ``pseudotime_order_ADT``), or a single ``(n_cells,)`` pseudotime; NaN off the
        trajectory.
    batch
        ``(n_cells,)`` labels; per-batch correlation as the competition's ``ti_cons_batch_mean``.
    graph, seed, device
        As in :func:`trajectory_conservation`.

    Returns
    -------
    Mean of :func:`trajectory_conservation` over the pseudotimes, in [0, 1]; NaN when none is given.
    """
    seed = as_seed(seed)
    check_graph(graph)
    cell_type = by_cells(embedding, cell_type, "cell_type")
    batch = by_cells(embedding, batch, "batch") if batch is not None else None
    return _ti_cons(embedding, cell_type, _pseudotime_columns(pseudotimes, embedding), batch=batch, graph=graph,
                    seed=seed, device=device)[0]


def _ti_cons(embedding, cell_type, pseudotimes, *, batch, graph, seed, device) -> tuple[float, list[str]]:
    """:func:`ti_cons` and the notes of its pseudotimes (``'name: reason'``)."""
    items = list(pseudotimes.items())
    if not items:
        return float("nan"), ["no pseudotime given"]
    n = graph.n_cells if graph is not None else _as_float_matrix(embedding).shape[0]  # checked before the graph
    if graph is None:  # as trajectory_conservation's
        check_scored_cells(n, "ti_cons")
    as_labels(cell_type, name="cell_type", n_cells=n)
    if batch is not None:
        as_labels(batch, name="batch", n_cells=n)
    for name, values in items:
        if len(values) != n:
            raise ValueError(f"pseudotime {name!r} has {len(values)} entries but the embedding has {n} cells; align "
                             "them by cell")
    if graph is None:
        graph = neighbor_graph(embedding, device=device)
    scores, notes = [], []
    for name, values in items:
        score, note = _conservation(None, cell_type, np.asarray(values, dtype=np.float64), batch=batch, graph=graph,
                                    seed=seed, device=None, label=str(name))
        scores.append(score)
        if note:
            notes.append(f"{name}: {note}")
    return float(np.mean(scores)), notes
