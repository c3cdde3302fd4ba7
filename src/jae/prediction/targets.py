"""Prediction targets in the NeurIPS 2021 competition's normalised convention, built from counts when needed.

The competition scored predictions against the target file's ``.X``: GEX log-normalised (natural log), ADT
normalised per cell (CLR), ATAC binarised. Datasets distributed with raw counts only (SNARE-seq, PBMC10k) get the
same convention from their counts:

- GEX: scanpy-style ``log1p(normalize_total(target_sum=1e4))`` (natural log). The competition used scran size
  factors instead of library size; both give a per-cell scale followed by ``log1p``.
- ADT: CLR per cell, ``log1p(x / exp(mean_j log1p(x_j)))`` over the cell's proteins (muon/scanpy-style). On the
  BMMC starter this reproduces the competition's ``.X`` up to a per-cell scale within ~6 %.
- ATAC: binarised counts, ``1`` where the count is ``> 0``.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from ..preprocess.normalize import clr

__all__ = ["TARGET_SCALE", "lognorm_natural", "clr", "binarize", "from_counts", "is_integer_valued", "target_matrix"]

logger = logging.getLogger(__name__)

#: Total per cell before ``log1p`` for GEX targets built from counts (scanpy's ``normalize_total(target_sum=1e4)``).
TARGET_SCALE = 1e4


def lognorm_natural(X, *, scale: float = TARGET_SCALE):
    """Scanpy-style log normalisation: each cell scaled to ``scale`` total counts, then natural ``log1p``.

    Returns
    -------
    ``(n_cells, n_features)`` float32 CSR matrix for sparse input, ndarray for dense input.
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float32, copy=True)
        totals = np.asarray(X.sum(axis=1)).ravel()
        _check_totals(totals, "GEX")
        X.data *= np.repeat((scale / totals).astype(np.float32), np.diff(X.indptr))
        np.log1p(X.data, out=X.data)
        return X
    X = np.array(X, dtype=np.float32, copy=True)
    totals = X.sum(axis=1)
    _check_totals(totals, "GEX")
    X *= (scale / totals).astype(np.float32)[:, None]
    return np.log1p(X, out=X)


def binarize(X) -> sp.csr_matrix:
    """Binarise counts: ``1`` where the count is ``> 0``.

    Returns
    -------
    ``(n_cells, n_features)`` float32 CSR matrix.
    """
    X = sp.csr_matrix(X, dtype=np.float32, copy=True)
    X.data = (X.data > 0).astype(np.float32)
    X.eliminate_zeros()
    return X


def from_counts(X, kind: str):
    """Build the competition's normalised target from raw counts of modality ``kind``.

    Returns
    -------
    ``(n_cells, n_features)`` float32: CSR for GEX and ATAC, dense for ADT. Repeated entries of a cell and feature
    (CSR assembled from triplets) are summed first, as the source counts and the streamed blocks are.
    """
    if sp.issparse(X):
        from ..io.chunked import summed

        X = summed(sp.csr_matrix(X))
    if kind == "GEX":
        return lognorm_natural(sp.csr_matrix(X) if not sp.issparse(X) else X)
    if kind == "ADT":
        return clr(X)
    if kind == "ATAC":
        return binarize(X)
    raise ValueError(f"unknown target kind {kind!r}; use 'GEX', 'ATAC' or 'ADT'")


#: The competition's normalised values of each kind, for messages.
_CONVENTION = {"GEX": "log-normalised counts", "ADT": "CLR, log1p(x / geometric mean)", "ATAC": "binarised counts"}

#: Above this, a GEX or ADT ``.X`` is no log-scale target: log1p of counts scaled to 1e4 per cell stays below
#: log1p(1e4) ~ 9.2 (scran's scaling reached 11.1 in the BMMC starter, CLR 7.4), counts normalised without log1p reach
#: the thousands. Only warned about; the target is ``.X`` as before.
LOG_MAX = 50.0

#: Values checked at a time, bounding temporaries on very large matrices.
_CHUNK = 1 << 22


def _all_values(X, test) -> bool:
    data = X.data if sp.issparse(X) else np.asarray(X).ravel()
    return all(bool(np.all(test(data[i : i + _CHUNK]))) for i in range(0, data.size, _CHUNK))


def is_integer_valued(X) -> bool:
    """Whether every stored value of ``X`` is a whole number (raw counts look like this; normalised data do not)."""
    return _all_values(X, lambda d: d == np.floor(d))


def _is_binary(X) -> bool:
    return _all_values(X, lambda d: (d == 0) | (d == 1))


def target_matrix(X, counts, kind: str, *, name: str = "target", layer: str | None = "counts"):
    """The target of one modality in the competition's convention, from ``.X`` when it already holds it.

    ``.X`` is taken as already normalised when it is not integer-valued (GEX, ADT) or is binary (ATAC, where
    binarising again changes nothing); otherwise the target is built from ``counts`` (or from ``.X`` itself when
    ``counts`` is None) with :func:`from_counts`. An ``.X`` with negative values (scaled, a CLR without ``log1p``)
    is in no kind's convention, whose values are ``>= 0`` (predictions are clipped at 0): the target is built from
    ``counts``, and refused without them.

    Parameters
    ----------
    X
        The modality's ``.X``, ``(n_cells, n_features)``.
    counts
        Its raw counts (``.layers[layer]``) or None.
    kind
        ``'GEX'``, ``'ATAC'`` or ``'ADT'``.
    name
        Name used in log lines.
    layer
        The layer ``counts`` was read from, as the log lines and refusals name it (None: ``'counts'``).

    Returns
    -------
    ``(n_cells, n_features)`` float32: CSR for GEX and ATAC, dense for ADT.
    """
    where = f"layers[{layer or 'counts'!r}]"  # said as read: layer= may name another layer than 'counts'
    if X is None:  # an AnnData of layers alone
        if counts is None:
            raise ValueError(f"{name} has neither .X nor {where}; store the target's normalised values in "
                             f"{name}.X, or its raw counts in {name}.{where}")
        logger.info("%s: no .X; building the %s target from %s", name, kind, where)
        return from_counts(counts, kind)
    negative = not _all_values(X, lambda d: ~(d < 0))  # scaled, or a CLR / dsb without log1p: not the convention
    ready = _is_binary(X) if kind == "ATAC" else not negative and not is_integer_valued(X)
    if negative and counts is None:
        raise ValueError(
            f"{name}.X has negative values, so it holds no {kind} target in the competition's convention ("
            f"{_CONVENTION[kind]}, never below 0; predictions are clipped at 0): store those values in {name}.X, or "
            f"the raw counts in {name}.{where} to build them from")
    if negative:
        logger.info("%s: .X has negative values (not the competition's %s); building the %s target from "
                    "%s", name, _CONVENTION[kind], kind, where)
        return from_counts(counts, kind)
    if ready:
        logger.info("%s: using .X as the normalised %s target (competition convention)", name, kind)
        if kind != "ATAC" and not _all_values(X, lambda d: d <= LOG_MAX):  # e.g. normalize_total without log1p
            top = float(X.max())
            logger.warning(
                "%s.X holds values up to %.6g, not on the competition's log scale (%s, whose values stay below ~%g), "
                "so the predictions will be on .X's scale; store the log-normalised values in .X, or the raw counts "
                "(from %s) to build them from", name, top, _CONVENTION[kind], LOG_MAX, where)
        if kind == "ADT":
            return np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float32)
        return sp.csr_matrix(X, dtype=np.float32)
    source = X if counts is None else counts
    if kind == "GEX" and counts is None:  # cells without counts cannot be normalised: said naming the matrix and the
        from ..io import validate_counts  # fix (layers['counts'] is checked so with the target, check_target)

        validate_counts(X, name=f"{name}.X")
    if kind == "ATAC" and not is_integer_valued(X):  # e.g. TF-IDF: neither binarised nor counts (said so, not 'raw')
        logger.info("%s: .X holds neither binarised ATAC values nor raw counts (normalised, e.g. TF-IDF); building the "
                    "ATAC target by binarising %s", name, ".X" if counts is None else where)
        return from_counts(source, kind)
    logger.info("%s: .X holds raw counts; building the %s target from counts (see jae.prediction.targets)", name, kind)
    return from_counts(source, kind)


def _check_totals(totals: np.ndarray, kind: str) -> None:
    if np.any(totals <= 0):
        raise ValueError(
            f"{int(np.sum(totals <= 0))} cells have zero {kind} counts, so they cannot be normalised; "
            "remove them first (e.g. adata = adata[adata.X.sum(axis=1).A1 > 0])"
        )
