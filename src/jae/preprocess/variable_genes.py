"""Highly variable genes: which genes the RNA block's SVD is fitted on (opt-in, ``JAEConfig.n_top_genes``).

The seed fits the RNA SVD on every gene. Most genes of a single-cell RNA profile vary between cells no more than
their sampling noise predicts; each still adds that noise to every component a cell is projected on. The common
practice of scanpy and Seurat is to fit the PCA on the few thousand genes whose dispersion is high *for their mean
expression*. This module ranks genes the way scanpy's ``flavor="seurat"`` does (normalised dispersion): on the
de-logged normalised values, the dispersion ``variance / mean`` of each gene is log-transformed and compared with
the genes of similar mean (20 equal-width bins of ``log1p(mean)``), as a z-score within its bin; the top genes by
that score are kept. Genes in a bin of their own are scored 1 (kept before the typical gene, after the outliers).

The selection acts through the SVD basis alone: the other genes' columns are zero while the basis is fitted, so
their loadings are exactly zero and a cell's projection ignores them. The model's features (every gene) and the
cell-cycle scores (every gene) do not change.
"""

from __future__ import annotations

import logging

import numpy as np

__all__ = ["gene_dispersion_scores", "top_genes", "N_BINS"]

logger = logging.getLogger(__name__)

#: Bins of log1p(mean) within which dispersions are compared (scanpy's default).
N_BINS = 20


def gene_dispersion_scores(sums: np.ndarray, sums_sq: np.ndarray, n_cells: int) -> np.ndarray:
    """Normalised dispersion of each gene from the per-gene sums and sums of squares of de-logged values.

    Returns ``(n_genes,)`` float64 scores; genes never detected score ``-inf`` (never selected).
    """
    sums, sums_sq = np.asarray(sums, np.float64), np.asarray(sums_sq, np.float64)
    mean = sums / n_cells
    var = np.clip((sums_sq - n_cells * mean**2) / max(n_cells - 1, 1), 0.0, None)
    detected = (mean > 0) & (var > 0)
    log_disp = np.full(len(mean), np.nan)
    log_disp[detected] = np.log(var[detected] / mean[detected])
    log_mean = np.log1p(mean)
    score = np.full(len(mean), -np.inf)
    if not detected.any():
        return score
    lo, hi = log_mean[detected].min(), log_mean[detected].max()
    edges = np.linspace(lo, hi, N_BINS + 1)
    bins = np.clip(np.searchsorted(edges, log_mean, side="right") - 1, 0, N_BINS - 1)
    for b in np.unique(bins[detected]):
        members = detected & (bins == b)
        d = log_disp[members]
        if members.sum() == 1:
            score[members] = 1.0
            continue
        sd = d.std(ddof=1)
        score[members] = (d - d.mean()) / sd if sd > 0 else 0.0
    return score


def top_genes(sums: np.ndarray, sums_sq: np.ndarray, n_cells: int, n_top: int) -> np.ndarray:
    """``(n_genes,)`` bool mask of the ``n_top`` genes with the highest normalised dispersion (ties by index)."""
    score = gene_dispersion_scores(sums, sums_sq, n_cells)
    n_top = int(min(n_top, np.isfinite(score).sum()))
    keep = np.zeros(len(score), dtype=bool)
    keep[np.argsort(-score, kind="stable")[:n_top]] = True
    logger.info("RNA SVD fitted on the %d most variable of %d genes", n_top, len(score))
    return keep
