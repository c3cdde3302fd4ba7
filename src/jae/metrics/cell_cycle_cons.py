"""Cell-cycle conservation (scib's ``cell_cycle``, the competition's ``cc_cons``).

Per batch: score the cells' S and G2/M phases on the unintegrated log-normalised GEX (scanpy's method, recomputed
within the batch, as the competition did), then measure how much variance of the top ``n_comps`` principal
components the two scores explain (linear regression with intercept, R^2 of each PC weighted by the PC's variance)
before (GEX) and after (embedding). The batch's score is ``1 - |after - before| / before`` floored at 0, and the
metric is the mean over batches.

The "before" side depends on the GEX only, so it is computed once by :func:`cell_cycle_reference` and reused for
every embedding scored against the same data. :func:`cell_cycle_reference_blocks` builds the same reference from
row blocks of the GEX (data on disk, never held whole): the scores of every cell as in memory, and each batch's
"before" share on a seeded sample of at most :data:`CC_MAX_CELLS` of its cells (all of them when it has fewer).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._threads import compute_threads, threads_within_memory
from ..config import as_seed
from ..preprocess.cell_cycle import CellCycleGenes, CellCycleScorer, add_grouped, score_cell_cycle, score_grouped
from ._graph import _as_float_matrix
from ._labels import as_labels
from .pc_regression import N_COMPS, variance_explained

__all__ = [
    "CellCycleReference",
    "cell_cycle_reference",
    "cell_cycle_reference_blocks",
    "cc_cons",
    "cc_cons_details",
    "variance_explained",
    "check_reference",
    "CC_MAX_CELLS",
    "MIN_CELL_CYCLE_GENES",
]

log = logging.getLogger(__name__)

#: :func:`cell_cycle_reference_blocks` measures a batch's GEX variance share on at most this many of its cells (a
#: seeded sample; 10 batches of 10,000 cells of competition-shaped GEX hold about 1.2 GB).
CC_MAX_CELLS = 10_000
#: Below this many S-phase or G2/M-phase marker genes in the data, cc_cons gets a caveat (:attr:`CellCycleReference.caveat`).
MIN_CELL_CYCLE_GENES = 5
#: Why cc_cons is NaN when no batch has a GEX share to conserve (``1 - |after - before| / before`` needs one).
NO_CYCLING_SIGNAL = ("the cell-cycle scores explain none of the GEX variance in any batch (no cycling signal to "
                     "conserve)")


def _refuse_anndata(gex, name: str) -> None:
    """Refuse an AnnData passed as the GEX values (numpy read it as a sequence of objects and failed obscurely)."""
    if hasattr(gex, "obs_names") and hasattr(gex, "X"):
        raise TypeError(f"{name} is an AnnData; pass its log-normalised values and its gene names, e.g. {name}=adata.X "
                        "with adata.var_names")


def _non_finite_rows(X, block_rows: int = 4096) -> np.ndarray:
    """``(n_rows,)`` bool: which rows of ``X`` (CSR or dense) hold a NaN or infinite value, read in row blocks (no
    mask of the whole matrix)."""
    if sp.issparse(X):
        bad = ~np.isfinite(X.data)
        out = np.zeros(X.shape[0], dtype=bool)
        if bad.any():
            out[np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[bad]] = True
        return out
    return np.concatenate([(~np.isfinite(X[i : i + block_rows])).any(axis=1) for i in range(0, X.shape[0], block_rows)]
                          or [np.zeros(0, dtype=bool)])


def _warn_whole(X, sample: int = 100_000) -> None:
    """Warn when the first ``sample`` nonzero values of ``X`` (the GEX given as log-normalised) are all whole numbers
    above 1, as raw counts are (log-normalised values are fractions): cc_cons was measured on counts without a word
    (on the simulated data 0.11 against 0.25 for the same cells' log-normalised GEX)."""
    rows = -(-20 * sample // max(X.shape[1], 1))  # the first rows alone: a ravel of a strided array copies it whole
    values = X.data[: 20 * sample] if sp.issparse(X) else np.asarray(X)[:rows].ravel()
    values = values[values != 0][:sample]
    if len(values) >= 100 and values.max() > 1 and (values == np.round(values)).all():
        log.warning("cc_cons: gex_lognorm holds whole numbers only (up to %g), as raw counts do, not log-normalised "
                    "expression: the cell-cycle scores and their GEX variance share are measured on it as it is; pass "
                    "log-normalised values, e.g. jae.preprocess.log_normalize(counts)", float(values.max()))


def _refuse_non_finite(n_bad: int, n_cells: int) -> None:
    """Refuse a GEX with NaN or infinite values, before any scoring: the principal components of the variance shares
    failed on them (ARPACK's 'Could not build an Arnoldi factorization', a traceback after the neighbour graph) or
    the scores became NaN ("variance_explained: covariates hold NaN", naming no GEX)."""
    if n_bad:
        raise ValueError(f"the GEX holds NaN or infinite values in {n_bad} of its {n_cells} cells; the cell-cycle "
                         "scores need finite log-normalised values (a cell without counts, divided by its total of 0, "
                         "gives NaN): leave those cells out or fill their values")


@dataclass(frozen=True)
class CellCycleReference:
    """Per-batch cell-cycle scores and the variance they explain in the unintegrated GEX.

    Attributes
    ----------
    batches
        Batch names, in order of first appearance.
    cells
        Row indices of each batch's cells.
    covariates
        ``(n_cells_in_batch, 2)`` S and G2/M scores per batch.
    before
        ``(n_batches,)`` variance explained in the GEX per batch.
    n_comps
        Number of principal components used.
    n_genes
        ``(n_s, n_g2m)``: how many S-phase and G2/M-phase marker genes the scores rest on (None: unknown).
    """

    batches: tuple[str, ...]
    cells: tuple[np.ndarray, ...]
    covariates: tuple[np.ndarray, ...]
    before: np.ndarray
    n_comps: int
    n_genes: tuple[int, int] | None = None

    @property
    def n_cells(self) -> int:
        """Number of cells covered."""
        return int(sum(len(c) for c in self.cells))

    @property
    def caveat(self) -> str | None:
        """A warning about the data when the scores rest on fewer than :data:`MIN_CELL_CYCLE_GENES` genes of either
        list (logged once when the reference is built, and kept in every scored embedding's notes), else None."""
        if self.n_genes is None or min(self.n_genes) >= MIN_CELL_CYCLE_GENES:
            return None
        n_s, n_g2m = self.n_genes
        return (f"cc_cons rests on only {n_s} S-phase and {n_g2m} G2/M-phase marker genes (fewer than "
                f"{MIN_CELL_CYCLE_GENES} of each): read it with caution")


def check_reference(reference, name: str = "reference") -> None:
    """Refuse, in one line, a ``reference`` that is no :class:`CellCycleReference` (the GEX itself, None: they failed
    with "'ndarray' object has no attribute 'n_cells'")."""
    if not isinstance(reference, CellCycleReference):
        raise TypeError(f"{name} must be a jae.metrics.CellCycleReference, not a {type(reference).__name__}; build it "
                        "with jae.metrics.cell_cycle_reference(gex, gene_names, batch) from the unintegrated GEX")


def _built(reference: CellCycleReference) -> CellCycleReference:
    """``reference``, its caveat (if any) logged once, where the reference is made."""
    if reference.caveat:
        log.warning("%s", reference.caveat)
    return reference


def cell_cycle_reference(
    gex_lognorm,
    var_names: Sequence[str],
    batch: Sequence,
    *,
    organism: str = "human",
    n_comps: int = N_COMPS,
    seed: int = 0,
) -> CellCycleReference:
    """Score the cell cycle per batch and measure its variance share in the unintegrated GEX.

    Parameters
    ----------
    gex_lognorm
        ``(n_cells, n_genes)`` log-normalised GEX (the competition used the solution file's ``.X``).
    var_names
        ``(n_genes,)`` gene symbols or Ensembl IDs.
    batch
        ``(n_cells,)`` batch labels.
    organism
        ``'human'`` or ``'mouse'`` (gene lists of :func:`jae.preprocess.cell_cycle_genes`).
    n_comps
        Principal components (scib: 50).
    seed
        Seed of the control-gene draw (0 reproduces scanpy) and of the ARPACK start vector of large PCAs.

    Returns
    -------
    :class:`CellCycleReference` for :func:`cc_cons`.

    Raises
    ------
    ValueError
        When too few cell-cycle genes are present (see :func:`jae.preprocess.score_cell_cycle`), or the GEX holds
        NaN or infinite values.
    """
    seed = as_seed(seed)
    _refuse_anndata(gex_lognorm, "gex_lognorm")
    batches = as_labels(batch, name="batch", n_cells=gex_lognorm.shape[0], of="gex_lognorm")
    genes = CellCycleGenes.find(var_names, organism)  # once, for every batch
    X = sp.csr_matrix(gex_lognorm) if sp.issparse(gex_lognorm) else np.asarray(gex_lognorm)
    _refuse_non_finite(int(_non_finite_rows(X).sum()), X.shape[0])
    _warn_whole(X)
    names, cells, covs, before = [], [], [], []
    for b in dict.fromkeys(batches):  # order of first appearance, as pandas' unique()
        idx = np.flatnonzero(batches == b)
        sub = X[idx]
        cov = score_cell_cycle(sub, var_names, organism=organism, seed=seed, genes=genes).to_numpy()
        names.append(str(b))
        cells.append(idx)
        covs.append(cov)
        before.append(variance_explained(sub, cov, n_comps=n_comps, seed=seed))
    return _built(CellCycleReference(tuple(names), tuple(cells), tuple(covs), np.asarray(before), n_comps,
                                     genes.counts))


def cell_cycle_reference_blocks(
    blocks,
    var_names: Sequence[str],
    batch: Sequence,
    *,
    keep: np.ndarray | None = None,
    organism: str = "human",
    n_comps: int = N_COMPS,
    seed: int = 0,
    max_cells: int = CC_MAX_CELLS,
) -> CellCycleReference:
    """:func:`cell_cycle_reference` from row blocks of the GEX, in one or two passes, holding only a sample in memory.

    Pass 1 sums each batch's genes (for the control genes) and keeps a seeded sample of at most ``max_cells`` cells
    per batch; pass 2 scores every cell: those of the sample held when it is every scored cell (no batch over
    ``max_cells``), else a second read of the blocks (a row's scores are its own: the same numbers). A batch's
    ``before`` share is measured on its sample, so it equals :func:`cell_cycle_reference`'s when the batch has at most
    ``max_cells`` cells, and otherwise estimates it (the R^2 of the top PCs on 10,000 cells); the scores (what the
    embedding is compared with) are those of all cells, as in memory up to the summation order of the gene means.
    Each pass reads a block once for every batch; the batches' shares (seeded ARPACK runs) are computed side by side
    on the compute threads (:func:`jae._threads.compute_threads`), as many at a time as half the memory available
    holds, the same numbers as one at a time.

    Parameters
    ----------
    blocks
        Callable returning an iterator over consecutive ``(rows, n_genes)`` row blocks of the log-normalised GEX
        (CSR or dense), every cell in order; called once, or twice when a batch has more than ``max_cells`` cells.
    var_names
        ``(n_genes,)`` gene names.
    batch
        Batch labels of the scored rows: ``(n_rows,)`` for every row the blocks yield, or ``(keep.sum(),)`` with
        ``keep``.
    keep
        ``(n_rows,)`` bool: the rows to score (default all); the reference's cells are positions among them.
    organism, n_comps, seed
        As for :func:`cell_cycle_reference`.
    max_cells
        Cells per batch for the ``before`` share.

    Returns
    -------
    :class:`CellCycleReference` of the kept rows.

    Raises
    ------
    ValueError
        When too few cell-cycle genes are present, the blocks hold another number of rows than ``batch`` (or
        ``keep``) has entries, or a kept row holds NaN or infinite values.
    """
    seed = as_seed(seed)
    keep = np.ones(len(batch), dtype=bool) if keep is None else np.asarray(keep, dtype=bool).ravel()
    n_rows = len(keep)
    kept = np.flatnonzero(keep)
    batches = as_labels(batch, name="batch", n_cells=len(kept), of="keep's selection")
    names = list(dict.fromkeys(batches))  # order of first appearance, as cell_cycle_reference
    position = {b: i for i, b in enumerate(names)}
    code = np.full(n_rows, -1, dtype=np.int64)
    code[kept] = [position[b] for b in batches]
    cells = [np.flatnonzero(batches == b) for b in names]
    genes = CellCycleGenes.find(var_names, organism, who="CellCycleScorer")  # once, for every batch
    scorers = [CellCycleScorer(var_names, seed=seed, genes=genes) for _ in names]
    rng = np.random.default_rng(seed)
    # the sampled rows of each batch, as global row numbers (sorted)
    sample_rows = [kept[c] if len(c) <= max_cells else kept[np.sort(rng.choice(c, size=max_cells, replace=False))]
                   for c in cells]
    sampled = np.full(n_rows, -1, dtype=np.int64)
    for b, rows in enumerate(sample_rows):
        sampled[rows] = b
    picked: list[list] = [[] for _ in names]
    start = n_bad = 0
    for block in blocks():  # pass 1: every batch's gene sums, and the sampled rows
        stop = start + block.shape[0]
        if stop > n_rows:  # rows past the labels: their codes were read past the array (a segmentation fault)
            raise ValueError(f"cell_cycle_reference_blocks: the blocks hold more than {n_rows} rows; pass one batch "
                             "label (or keep entry) per row")
        block = sp.csr_matrix(block)
        n_bad += int((_non_finite_rows(block) & keep[start:stop]).sum())
        add_grouped(scorers, block, code[start:stop])
        for b in np.unique(sampled[start:stop][sampled[start:stop] >= 0]):
            picked[b].append(block[np.flatnonzero(sampled[start:stop] == b)])
        start = stop
    if start != n_rows:
        raise ValueError(f"cell_cycle_reference_blocks: the blocks held {start} rows, not {n_rows}; pass one batch "
                         "label (or keep entry) per row")
    _refuse_non_finite(n_bad, len(kept))
    covs = [np.empty((len(c), 2)) for c in cells]
    if all(len(rows) == len(c) for rows, c in zip(sample_rows, cells)):  # pass 2 on the sample: every scored cell
        for b, parts in enumerate(picked):  # a batch's parts hold its cells in row order, as a second read gives them
            at = 0
            for part in parts:
                covs[b][at : at + part.shape[0]] = score_grouped(scorers, part, np.full(part.shape[0], b))
                at += part.shape[0]
    else:
        filled = np.zeros(len(names), dtype=np.int64)
        start = 0
        for block in blocks():  # pass 2: every cell's scores, by its batch's control genes
            stop = start + block.shape[0]
            group = code[start:stop]
            scores = score_grouped(scorers, sp.csr_matrix(block), group)
            for b in np.unique(group[group >= 0]):
                rows = np.flatnonzero(group == b)
                covs[b][filled[b] : filled[b] + len(rows)] = scores[rows]
                filled[b] += len(rows)
            start = stop

    def share(b: int) -> float:
        parts, picked[b] = picked[b], None  # the parts are freed once stacked
        sub = sp.vstack(parts, format="csr")  # pass 1 made every block CSR
        del parts
        at = np.searchsorted(kept[cells[b]], sample_rows[b])  # sampled rows' positions within the batch
        return variance_explained(sub, covs[b][at], n_comps=n_comps, seed=seed)

    # the batches' shares are independent (each a seeded ARPACK run, ~7 s CPU on 10,000 cells, single-threaded:
    # 12 batches were 80% of the reference's time), so they run side by side on the compute threads (as many as their
    # working memory allows), each with one BLAS thread; every share is the same number as when computed alone
    from threadpoolctl import threadpool_limits

    workers = _share_workers(picked, len(var_names), n_comps)
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        before = list(pool.map(share, range(len(names))))
    for b, name in enumerate(names):
        if len(sample_rows[b]) < len(cells[b]):
            log.info("cc_cons batch %s: GEX variance share on a seeded sample of %d of its %d cells", name,
                     len(sample_rows[b]), len(cells[b]))
    return _built(CellCycleReference(tuple(str(b) for b in names), tuple(cells), tuple(covs), np.asarray(before),
                                     n_comps, genes.counts))


def _share_workers(picked: list[list], n_genes: int, n_comps: int) -> int:
    """Threads for the batches' shares: the compute threads, one per batch at most, and no more than the largest
    batches' working memory fits in half the memory available. A running share holds its sample stacked while the
    parts go, then a transposed copy (twice the sample's bytes: 16 a nonzero of float32 CSR) and the PCA's gene-side
    vectors; 20,000 competition-shaped CITE-seq cells in 12 batches peaked at 1.04 GB on one thread, 1.50 GB on 8."""
    sample = [sum(p.data.nbytes + p.indices.nbytes + p.indptr.nbytes for p in parts) for parts in picked]
    working = [2 * b + n_comps * n_genes * 16 for b in sample]
    threads = max(1, min(compute_threads(), len(picked)))
    workers, budget = threads_within_memory(threads, working)
    if workers < threads:
        from ..io.chunked import format_bytes

        log.info("cc_cons: the %d batches' GEX variance shares run %d at a time, not %d: each holds up to %s while "
                 "computed, and the memory budget (half the memory available) is %s: the same shares, fewer at a "
                 "time", len(picked), workers, threads, format_bytes(max(working)), format_bytes(budget))
    return workers


def cc_cons_details(embedding, reference: CellCycleReference) -> pd.DataFrame:
    """Per batch, the variance share of the cell-cycle scores before (GEX) and after (embedding), and the score.

    Shows why :func:`cc_cons` is what it is: a batch scores ``1 - |after - before| / before``, so 0 once the
    embedding's share reaches twice the GEX's (or drops to 0).

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array, rows in the order used for :func:`cell_cycle_reference`.
    reference
        From :func:`cell_cycle_reference`.

    Returns
    -------
    DataFrame ``(n_batches, 5)`` indexed by batch (order of :attr:`CellCycleReference.batches`) with columns
    ``n_cells``, ``before`` and ``after`` (fractions of the top-PC variance explained by the S and G2/M scores,
    in [0, 1]), ``ratio`` (after / before) and ``score`` (in [0, 1], NaN where ``before`` is 0 or undefined).
    ``score.mean()`` (NaN skipped) is :func:`cc_cons`; ``before.mean()`` and ``after.mean()`` average the shares.
    """
    check_reference(reference)
    E = _as_float_matrix(embedding)
    if E.shape[0] != reference.n_cells:
        raise ValueError(
            f"cc_cons: the embedding has {E.shape[0]} cells but the cell-cycle reference covers {reference.n_cells}; "
            "build the reference from the same cells"
        )
    rows = []
    for name, idx, cov, before in zip(reference.batches, reference.cells, reference.covariates, reference.before):
        after = variance_explained(E[idx], cov, n_comps=reference.n_comps)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = after / before
            score = 1.0 - abs(after - before) / before
        score = max(score, 0.0) if np.isfinite(score) else float("nan")
        log.debug("cc_cons batch %s: before %.4f after %.4f score %.4f", name, before, after, score)
        rows.append({"batch": name, "n_cells": len(idx), "before": float(before), "after": float(after),
                     "ratio": float(ratio), "score": float(score)})
    return pd.DataFrame(rows).set_index("batch")


def cc_cons(embedding, reference: CellCycleReference) -> float:
    """Cell-cycle conservation of an embedding against the unintegrated GEX.

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array, rows in the order used for :func:`cell_cycle_reference`.
    reference
        From :func:`cell_cycle_reference`.

    Returns
    -------
    Mean over batches of ``max(0, 1 - |after - before| / before)``, in [0, 1]; the per-batch parts are
    :func:`cc_cons_details`. NaN, with a warning, when no batch has a cell-cycle share in the GEX.
    """
    value = _mean_score(cc_cons_details(embedding, reference))
    if not np.isfinite(value):
        log.warning("cc_cons is n/a: %s", _undefined_reason(reference))
    return value


def _undefined_reason(reference: CellCycleReference) -> str:
    """Why no batch of ``reference`` has a cc_cons score: :data:`NO_CYCLING_SIGNAL`, or, when every batch holds one
    cell (a batch column of cell names), that (it was told as "no cycling signal": a cell has no variance to share)."""
    if all(len(c) < 2 for c in reference.cells):
        return (f"each of the {len(reference.batches)} batches holds a single cell: no GEX variance to share (cc_cons "
                "needs batches of 2+ cells; does the batch column name cells?)")
    return NO_CYCLING_SIGNAL


def _mean_score(details: pd.DataFrame) -> float:
    scores = details["score"].to_numpy(dtype=np.float64)
    return float(np.nanmean(scores)) if np.isfinite(scores).any() else float("nan")
