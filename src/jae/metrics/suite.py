"""The joint-embedding metric suite of the NeurIPS 2021 competition: six metrics and their mean.

Biology conservation: ``nmi``, ``asw_label``, ``cc_cons``, ``ti_cons``; batch removal: ``asw_batch``,
``graph_conn``. ``overall`` is the mean of the metrics that are defined on the data. A metric that cannot be
computed (no batch labels or a single batch for ``asw_batch``; a single cell type for ``nmi`` and ``asw_label``; no
pseudotime for ``ti_cons``; no GEX or too few cell-cycle genes for ``cc_cons``) is NaN, left out of the mean, and named with its reason in the result's
``attrs['skipped']`` and in a log line. The kNN graph is computed once and shared.

Scale: ``knn='exact'`` computes all pairwise distances (O(n^2); ~20 s CPU at 70k cells); ``knn='approximate'``
builds the graph by an approximate search (k-means inverted file + nearest-neighbour descent, seeded) and
averages the silhouettes (``asw_label``; ``asw_batch`` per cell type) over a seeded sample of
:data:`~jae.metrics.silhouette.ASW_MAX_CELLS` cells per group, each against all cells of the group, so no step is
quadratic in the number of cells. ``knn='auto'`` (default)
is exact up to :data:`~jae.metrics._graph.APPROXIMATE_MIN_CELLS` (100,000) cells and approximate above. At 70k
cells the approximate values stay within 0.01 of the exact ones (benchmarks/results/scale.md, "Metrics").

Diagnostics that explain the scores but do not enter ``overall`` (iLISI and cLISI on the same graph, cc_cons's
before/after variance shares, each latent block's variance share; :mod:`jae.metrics.diagnostics`) come back in the
result's ``attrs['diagnostics']``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ._graph import (
    NeighborGraph,
    KnnMode,
    _as_float_matrix,
    approximate_knn,
    check_scored_cells,
    graph_neighbors,
    knn_and_cluster_sums,
    resolve_knn,
    umap_connectivities,
)
from ..config import keyword_arguments
from ._labels import as_labels, by_cells, codes, one_cell_order
from .cell_cycle_cons import (
    CellCycleReference,
    _mean_score,
    _refuse_anndata,
    _undefined_reason,
    cc_cons_details,
    cell_cycle_reference,
    check_reference,
)
from .clustering import nmi
from .connectivity import graph_connectivity
from .diagnostics import _diagnostics
from .silhouette import ASW_MAX_CELLS, NO_MIXED_TYPE, _silhouette_codes, asw_batch, silhouette_from_sums
from .trajectory import _pseudotime_columns, _ti_cons, _too_few_times

__all__ = ["evaluate_embedding", "METRICS", "BIO_METRICS", "BATCH_METRICS"]

log = logging.getLogger(__name__)

BIO_METRICS = ("nmi", "asw_label", "cc_cons", "ti_cons")
BATCH_METRICS = ("asw_batch", "graph_conn")
#: The six competition metrics, in the order of the competition's tables.
METRICS = BIO_METRICS + BATCH_METRICS


def _check_gex(gex, gex_var_names, n: int) -> None:
    """Refuse GEX arguments that cannot be scored: they failed inside the cell-cycle scoring, whose errors make
    cc_cons n/a (an AnnData's numpy error, another cell or gene count), or after the graph (no gene names)."""
    _refuse_anndata(gex, "gex")
    if gex_var_names is None:
        raise ValueError("evaluate_embedding: gex was given without gex_var_names; pass the gene names too")
    if gex.shape[0] != n:
        raise ValueError(f"evaluate_embedding: gex has {gex.shape[0]} cells but the embedding has {n}; pass the GEX "
                         "of the embedding's cells, in the same order")
    if len(gex_var_names) != gex.shape[1]:
        raise ValueError(f"evaluate_embedding: gex has {gex.shape[1]} genes but gex_var_names has "
                         f"{len(gex_var_names)} names; pass one name per gex column")


def _check_organism(organism) -> None:
    """Refuse an ``organism`` jae has no cell-cycle genes of (a typo, another species), used with ``gex``: it made
    cc_cons n/a after the graph, and the mean of the other five took its place without an error."""
    from .._cell_cycle_genes import ORGANISMS  # not preprocess.cell_cycle: its numba kernels (0.6 s) load with it

    if ORGANISMS.get(str(organism).strip().lower()) is None:
        raise ValueError(f"evaluate_embedding: organism={organism!r}: jae has the cell-cycle genes of human and mouse "
                         "only; pass organism='human' or 'mouse', or leave out gex= and gex_var_names= (cc_cons n/a)")


def metric_steps(diagnostics: bool = True) -> int:
    """How many steps :func:`evaluate_embedding` advances its bar by: one per metric, one for the diagnostics."""
    return len(METRICS) + int(bool(diagnostics))


#: The widest and narrowest span of an embedding's cells (largest column range) whose squared distances the metrics'
#: float32 kNN and silhouettes hold: scaled by 1e19 they overflowed (ARPACK's error from ti_cons's diffusion map), by
#: 1e-18 they fell under float32's normal numbers (scores moved by 1e-4; by 1e-30 graph_conn 1 -> 0.69); 1e15 and
#: 1e-15 leave room for a thousand columns, and scores there stayed within 1e-8 of the unscaled ones.
_SPAN_LIMITS = (1e-15, 1e15)
#: How far from the origin, in spans, any column may lie: the float32 copy the distances are computed from
#: rounds its values to about 6e-8 of their size, so cells of an embedding shifted by 1e5 times its span (all scores
#: wrong, nmi +0.03) or 1e8 times (one point: asw_batch 1, graph_conn 0.69) lost their differences; at 1e3 times the
#: scores moved by under 1e-6.
_MAX_OFFSET_SPANS = 1e4


def _uninformative(E: np.ndarray) -> str | None:
    """Why ``E`` carries no information to score (all distances 0: every silhouette 0, asw_batch a perfect 1), or
    coordinates the float32 distances cannot hold (overflowing, underflowing or rounded together), or None."""
    if E.shape[1] == 0:
        return "has no columns; pass an (n_cells, n_dims) array with n_dims >= 1"
    if (E == E[0]).all():
        return ("is the same point for every cell: there is nothing to score (all distances are 0); check the method "
                "that made it (a failed run often writes zeros)")
    lo, hi = E.min(axis=0).astype(np.float64), E.max(axis=0).astype(np.float64)  # no copy of E
    width = hi - lo
    span = float(width.max())
    far = float(np.maximum(np.abs(lo), np.abs(hi)).max())  # a constant column too: 1e12 beside N(0, 1) merged cells
    if span > _SPAN_LIMITS[1]:
        problem = f"its cells span {span:.3g} (more than {_SPAN_LIMITS[1]:.0e}: their squared distances overflow)"
    elif span < _SPAN_LIMITS[0]:
        problem = f"its cells span only {span:.3g} (less than {_SPAN_LIMITS[0]:.0e}: their squared distances underflow)"
    elif far > _MAX_OFFSET_SPANS * span:
        problem = (f"its coordinates reach {far:.3g}, more than {_MAX_OFFSET_SPANS:,.0f} times the {span:.3g} its cells "
                   "span, so rounding to float32 merges its cells")
    else:
        return None
    return (f"has coordinates the metrics' float32 distances cannot hold: {problem}; centre and scale it first (the "
            "metrics do not change with either), e.g. (E - E.mean(axis=0)) / E.std()")


@keyword_arguments(name="jae.metrics.evaluate_embedding")  # scib-metrics' labels=: one line naming cell_type=
def evaluate_embedding(
    embedding,
    *,
    cell_type: Sequence,
    batch: Sequence | None = None,
    pseudotime: pd.DataFrame | Mapping[str, Sequence[float]] | Sequence[float] | None = None,
    cell_cycle: CellCycleReference | None = None,
    gex=None,
    gex_var_names: Sequence[str] | None = None,
    organism: str = "human",
    seed: int = 0,
    device: str | None = None,
    progress_bar: bool = True,
    diagnostics: bool = True,
    column_names: Sequence[str] | None = None,
    knn: KnnMode = "auto",
    no_cell_cycle: str | None = None,
    warn_one_type: bool = True,
    bar=None,
) -> pd.Series:
    """Score a joint embedding with the competition's six metrics and their mean.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    cell_type
        ``(n_cells,)`` cell-type labels (required).
    batch
        ``(n_cells,)`` batch labels; ``None`` makes ``asw_batch`` undefined and ``cc_cons`` a single group.
    pseudotime
        Reference pseudotime(s), NaN off the trajectory: a DataFrame or ``{name: (n_cells,)}`` with one entry per
        modality (the competition: ``pseudotime_order_GEX`` and ``pseudotime_order_ADT``/``_ATAC``; ``ti_cons``
        is their mean), or a single ``(n_cells,)`` array.
    cell_cycle
        Precomputed :func:`jae.metrics.cell_cycle_reference` (reuse it across embeddings of the same data).
    gex, gex_var_names
        ``(n_cells, n_genes)`` unintegrated log-normalised GEX and its gene names, used to build the cell-cycle
        reference when ``cell_cycle`` is not given.
    organism
        ``'human'`` or ``'mouse'``, for the cell-cycle genes.
    seed
        Seed of the Louvain clustering, the cell-cycle control genes and the diffusion map (0 reproduces scib), and
        on the approximate path of the neighbour search and the silhouette samples.
    device
        Torch device for the distance computations; default CUDA when available.
    progress_bar
        Show one progress bar over the metrics.
    diagnostics
        Also compute the diagnostics of :func:`jae.metrics.diagnose_embedding` (not in ``overall``), reusing the
        kNN graph and the cell-cycle shares.
    column_names
        ``(n_dims,)`` embedding column names (e.g. ``JAE.column_names``) for the ``share:<block>`` diagnostics.
    knn
        ``'exact'`` (all pairwise distances), ``'approximate'`` (approximate graph, sampled silhouettes) or
        ``'auto'`` (default: exact up to 100,000 cells, approximate above); see the module docstring.
    no_cell_cycle
        Why there is neither ``cell_cycle`` nor ``gex`` (e.g. the data has no RNA): the reason cc_cons is n/a.
    warn_one_type
        Warn when every cell has one cell type (nmi and asw_label undefined, ``overall`` not comparable); False where
        the caller says it once for several embeddings (:func:`jae.evaluate`).
    bar
        An open bar to advance instead of drawing one (:func:`jae.evaluate`'s one bar over its call), by one per
        metric and one for the diagnostics (:func:`metric_steps`), the step's name in its postfix; it is not closed
        here. None (default): one bar of this call's own, as ``progress_bar`` says.

    Raises
    ------
    ValueError
        For fewer than 16 cells (``N_NEIGHBORS + 1``; ``jae.evaluate``'s floor too): the graph of 15 neighbours per
        cell would join (nearly) every cell to every other.

    Returns
    -------
    Series indexed ``nmi, asw_label, cc_cons, ti_cons, asw_batch, graph_conn, overall`` (floats, NaN when
    undefined). ``attrs['averaged']`` lists the metrics in ``overall``; ``attrs['skipped']`` maps each undefined
    metric to the reason; ``attrs['notes']`` lists remarks on defined scores (e.g. a trajectory whose root is cut
    off scores 0, as in scib); ``attrs['seconds']`` and ``attrs['cpu_seconds']`` hold the wall and CPU time spent
    on the kNN graph and on each metric (and ``'diagnostics'``); ``attrs['knn']`` is ``'exact'`` or
    ``'approximate'``, the path taken. ``attrs['diagnostics']`` (with
    ``diagnostics=True``) is a dict ``{'ilisi', 'clisi', 'cc_before', 'cc_after', 'share:<block>'...: float}``,
    NaN where undefined (no batch labels, a single batch, no cell-cycle reference: ``attrs['diagnostics_skipped']``
    maps each to the reason); the shares only with ``column_names``.
    """
    from .._flags import check_flags
    from ..config import as_seed

    seed = as_seed(seed)
    check_flags(progress_bar=progress_bar, diagnostics=diagnostics)
    E = _as_float_matrix(embedding)
    uninformative = _uninformative(E)
    if uninformative:
        raise ValueError(f"embedding {uninformative}")
    n = E.shape[0]
    check_scored_cells(n, "evaluate_embedding")  # 15 neighbours of (nearly) every cell: scores that say nothing
    mode = resolve_knn(knn, n)
    one_cell_order(embedding, cell_type=cell_type, batch=batch, pseudotime=pseudotime)
    types = as_labels(by_cells(embedding, cell_type, "cell_type"), name="cell_type", n_cells=n)
    batches = as_labels(by_cells(embedding, batch, "batch"), name="batch", n_cells=n) if batch is not None else None
    pts = _pseudotime_columns(pseudotime, embedding)
    for name, values in pts.items():
        if len(values) != n:
            raise ValueError(f"pseudotime {name!r} has {len(values)} entries but the embedding has {n} cells")

    results: dict[str, float] = {}
    skipped: dict[str, str] = {}
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    notes: list[str] = []
    if column_names is not None and len(column_names) != E.shape[1]:
        raise ValueError(f"evaluate_embedding: {len(column_names)} column_names for an embedding of {E.shape[1]} "
                         "columns; pass one name per column")
    if cell_cycle is None and gex is not None:  # before the graph, not after it
        _check_gex(gex, gex_var_names, n)
        _check_organism(organism)
    if cell_cycle is not None:
        check_reference(cell_cycle, "cell_cycle")
    if cell_cycle is not None and cell_cycle.n_cells != n:  # before the graph, not after it
        raise ValueError(f"evaluate_embedding: the cell_cycle reference covers {cell_cycle.n_cells} cells but the "
                         f"embedding has {n}; build the reference from the same cells")
    from ..train.distributed import given_or_own_bar  # process 0 alone draws under torchrun

    with given_or_own_bar(bar, total=metric_steps(diagnostics), desc="metrics", progress_bar=progress_bar) as bar:
        clock = [time.perf_counter(), time.process_time()]

        def done(name: str, value: float, reason: str | None = None) -> None:
            results[name] = float(value)
            if reason is not None:
                skipped[name] = reason
            now, cpu = time.perf_counter(), time.process_time()
            seconds[name], cpu_seconds[name] = now - clock[0], cpu - clock[1]
            clock[0], clock[1] = now, cpu
            bar.set_postfix_str(name)
            bar.update(1)

        type_names, type_codes = codes(types)
        k = graph_neighbors(n)  # scanpy's (scib's) graph below 15 cells, as neighbor_graph builds it
        if mode == "exact":  # one pass over the pairwise distances gives the kNN graph and the cell-type silhouette
            indices, distances, sums = knn_and_cluster_sums(E, type_codes, n_neighbors=k, device=device)
        else:
            log.info("evaluate_embedding: approximate path for %d cells (approximate graph, silhouettes on a seeded "
                     "sample of %d cells per group)", n, ASW_MAX_CELLS)
            indices, distances = approximate_knn(E, n_neighbors=k, seed=seed)
            sums = None
        graph = NeighborGraph(indices, distances, umap_connectivities(indices, distances))
        now, cpu = time.perf_counter(), time.process_time()
        seconds["neighbors"], cpu_seconds["neighbors"] = now - clock[0], cpu - clock[1]
        clock[0], clock[1] = now, cpu
        if len(type_names) >= 2:
            done("nmi", nmi(None, types, graph=graph, seed=seed))
        else:  # the best NMI against one label is 1 if some resolution gives one cluster, else 0: chance, not quality
            done("nmi", np.nan, "a single cell type")
        if 2 <= len(type_names) <= n - 1:
            widths = (silhouette_from_sums(sums, type_codes) if sums is not None else
                      _silhouette_codes(E, type_codes, len(type_names), device=device, max_cells=ASW_MAX_CELLS,
                                        seed=seed))
            done("asw_label", (widths.mean() + 1.0) / 2.0)
        else:  # a silhouette needs 2+ types and a type of 2+ cells
            done("asw_label", np.nan, "a single cell type" if len(type_names) < 2 else
                 f"each of the {n} cells is its own cell type (a silhouette needs a type of at least 2 cells)")

        if cell_cycle is None and gex is not None:
            try:
                cell_cycle = cell_cycle_reference(
                    gex, gex_var_names, batches if batches is not None else np.zeros(n), organism=organism, seed=seed
                )
            except ValueError as err:
                from ..preprocess.cell_cycle import plain_reason

                reason = plain_reason(err)
                log.warning("cc_cons is undefined: %s", reason)
                done("cc_cons", np.nan, f"cell-cycle scores unavailable: {reason}")
        cc_details = None
        if "cc_cons" not in results:
            if cell_cycle is None:
                done("cc_cons", np.nan, no_cell_cycle or "no GEX given (pass gex= and gex_var_names=, or cell_cycle=)")
            else:
                cc_details = cc_cons_details(E, cell_cycle)
                value = _mean_score(cc_details)
                why = None if np.isfinite(value) else _undefined_reason(cell_cycle)  # the score needs a GEX share
                if why:
                    log.warning("cc_cons is n/a: %s", why)
                done("cc_cons", value, why)
                if cell_cycle.caveat:  # logged once where the reference was made; a note of every embedding scored
                    notes.append(cell_cycle.caveat)

        if not pts:
            done("ti_cons", np.nan, "no pseudotime given")
        elif not any(np.isfinite(v).sum() >= 3 for v in pts.values()):
            done("ti_cons", np.nan, _too_few_times(max(int(np.isfinite(v).sum()) for v in pts.values())))
        else:
            value, ti_notes = _ti_cons(None, types, pts, batch=batches, graph=graph, seed=seed, device=device)
            notes += [f"ti_cons {n}" for n in ti_notes]
            done("ti_cons", value, None if np.isfinite(value) else "; ".join(ti_notes) or None)

        if batches is None:
            done("asw_batch", np.nan, "no batch labels given")
        elif len(np.unique(batches)) < 2:
            done("asw_batch", np.nan, "a single batch")
        else:
            value = asw_batch(E, batches, types, device=device, max_cells=None if mode == "exact" else ASW_MAX_CELLS,
                              seed=seed)
            done("asw_batch", value, None if np.isfinite(value) else NO_MIXED_TYPE)
        done("graph_conn", graph_connectivity(None, types, graph=graph))
        diagnosed: dict[str, float] | None = None
        if diagnostics:
            diagnosed, why = _diagnostics(E, batches=batches, types=types, graph=graph, cc_details=cc_details,
                                          column_names=column_names, no_cell_cycle=skipped.get("cc_cons"))
            for name, reason in why.items():
                log.debug("diagnostic %s is undefined: %s", name, reason)
            now, cpu = time.perf_counter(), time.process_time()
            seconds["diagnostics"], cpu_seconds["diagnostics"] = now - clock[0], cpu - clock[1]
            bar.set_postfix_str("diagnostics")
            bar.update(1)

    for name in METRICS:
        if not np.isfinite(results[name]) and name not in skipped:
            skipped[name] = "undefined on this data"
    averaged = [m for m in METRICS if m not in skipped]
    overall = float(np.mean([results[m] for m in averaged])) if averaged else float("nan")
    out = pd.Series({**{m: results[m] for m in METRICS}, "overall": overall}, dtype=np.float64)
    out.attrs["averaged"] = averaged
    out.attrs["skipped"] = skipped
    out.attrs["seconds"] = seconds
    out.attrs["cpu_seconds"] = cpu_seconds
    out.attrs["notes"] = notes
    out.attrs["knn"] = mode
    if diagnosed is not None:
        out.attrs["diagnostics"] = diagnosed
        out.attrs["diagnostics_skipped"] = why
    if len(type_names) < 2 and warn_one_type:  # overall 1.0 from graph_conn alone read as a perfect embedding
        log.warning("every scored cell has the cell type %r, so nmi and asw_label are undefined "
                    "and graph_conn (%.4f) only says whether the whole graph is connected: overall %.4f (the mean of "
                    "%s) does not measure how cell types are kept apart and is not comparable with scores of several "
                    "types; score cells of two or more cell types", str(type_names[0]), results["graph_conn"],
                    overall, ", ".join(averaged))
    log.info(
        "overall %.4f = mean of %s%s",
        overall,
        ", ".join(averaged),
        "; n/a: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) if skipped else "",
    )
    return out
