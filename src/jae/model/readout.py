"""How the joint embedding is read off the trained network: jae's readout (issue 12).

The seed used the raw latent vector as the embedding: cell-type logits | batch units | phase scores | free units.
Its geometry is set by the logits, which grow without bound as the cross-entropy falls; on a few hundred cells
they held about two thirds of the embedding's variance, so every covariate that correlates with cell type
(cell cycle, batch) was amplified and the cell-cycle conservation could fall to 0.

The readout keeps the input's variance structure and lets cell type weigh exactly as much as it explains:

- **principal part**: the input's top ``n_principal`` principal components. In the ``"principal"`` kind the
  first ``n_free`` of them are replaced by the free units (which start as the top principal components of the
  input, see :meth:`jae.model.JAENetwork.start_at_pca`, and are refined by training); the ``"components"`` kind
  reads the components themselves. Either way the embedding spans the input's leading principal subspace, as the
  SVD baseline does, instead of squeezing it through the free units alone. With labels the default reads the free
  units: trained beside the classifier they refine that subspace where the reference has enough cells, and tie with
  the components on a few hundred (tuning.md, round 28). Without labels the default reads the components: trained on
  reconstruction alone the free units drift from the subspace they start in (round 26).
- **cell-type part** (models with cell types): the predicted cell-type probabilities, centred, and scaled so that
  their variance on the reference cells equals the variance of the type centroids they predict (``P @ M``, with
  ``M`` the reference types' mean input): the part of the input's *between-type* variance that the head resolves.
  A confident, correct head gets all of it, so cell type weighs as much in the embedding as it does in the data and
  never more, whatever the sharpness of the softmax (which depends on when early stopping ended training); a head
  that has barely left the uniform guess (a few hundred reference cells, early stopping after a few epochs) gets
  almost nothing, instead of its noise blown up to the full between-type variance (tuning.md, round 27).
- The batch units (trained towards a uniform guess, they hold no biology) and the phase units (a 2-d regression of
  the S/G2M scores, already present in the principal part) are left out; :meth:`jae.JAE.latent` still returns the
  whole latent vector.

Everything here is numpy; the readout's arrays are saved with the model's weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Readout", "softmax", "principal_axes", "between_type_variance"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(n, k)`` logits, computed stably in float64, returned as float32."""
    z = np.asarray(logits, dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


def principal_axes(
    X: np.ndarray, k: int, *, rows: np.ndarray | None = None, chunk: int = 65536
) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(n_features,)`` and top ``k`` principal axes ``(k', n_features)`` of the rows ``rows`` of ``X``.

    The axes are the leading eigenvectors of the covariance, accumulated over row chunks in float64 (memory: one
    chunk plus a ``(n_features, n_features)`` matrix however many cells there are); ``k' = min(k, n_features,
    n_rows - 1)``; each axis's largest loading is positive, so the result does not depend on the solver's signs.
    """
    idx = np.arange(len(X)) if rows is None else (np.flatnonzero(rows) if np.asarray(rows).dtype == bool else rows)
    d = X.shape[1]
    mean = np.zeros(d)
    for start in range(0, len(idx), chunk):
        mean += X[idx[start:start + chunk]].sum(axis=0, dtype=np.float64)
    mean /= max(len(idx), 1)
    cov = np.zeros((d, d))
    for start in range(0, len(idx), chunk):
        centred = X[idx[start:start + chunk]].astype(np.float64) - mean
        cov += centred.T @ centred
    values, vectors = np.linalg.eigh(cov)  # ascending
    axes = vectors[:, ::-1][:, : max(min(k, d, len(idx) - 1), 0)].T
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    return mean, axes * np.where(signs == 0, 1.0, signs)[:, None]


def _centroids(X: np.ndarray, codes: np.ndarray, n_types: int, *, rows: np.ndarray | None = None,
               chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """``(n_types, d)`` float64 mean of the rows ``rows`` of ``X`` (all rows when None) per label ``codes`` (one per
    row used), accumulated over row chunks, and ``(n_types,)`` the rows per label; a type without rows gets the grand
    mean, so it adds nothing."""
    codes = np.asarray(codes)
    sums = np.zeros((n_types, X.shape[1]))
    for start in range(0, len(codes), chunk):
        part = slice(start, start + chunk) if rows is None else rows[start:start + chunk]
        np.add.at(sums, codes[start:start + chunk], np.asarray(X[part], dtype=np.float64))
    counts = np.bincount(codes, minlength=n_types).astype(np.float64)
    grand = sums.sum(axis=0) / max(counts.sum(), 1.0)
    return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1.0)[:, None], grand), counts


def between_type_variance(X: np.ndarray, codes: np.ndarray, n_types: int, *, chunk: int = 65536) -> float:
    """Variance of ``X`` ``(n, d)`` explained by the labels ``codes`` ``(n,)`` (in ``0..n_types-1``):
    ``sum_k w_k ||mean_k - mean||^2``, with class sums accumulated over row chunks in float64."""
    centroids, counts = _centroids(X, codes, n_types, chunk=chunk)
    w = counts / counts.sum()
    return float(np.sum(w * np.sum((centroids - w @ centroids) ** 2, axis=1)))


@dataclass(frozen=True)
class Readout:
    """The embedding as a function of a cell's input features ``x`` and latent vector ``z``.

    ``embedding = [S(type_scale * (softmax(z[cell_type]) - type_center)) | z[free] | (x - mean) @ tail_axes.T]``
    (the ``z[free]`` block only when ``free_units``), where ``S`` shrinks the type part along ``cycle_axes`` by
    ``cycle_keep`` (the identity when there are none).

    Attributes
    ----------
    mean
        ``(n_input,)`` mean of the training features.
    tail_axes
        ``(n_tail, n_input)`` principal axes of the training features after the first ``n_free`` ones.
    type_center
        ``(n_cell_type,)`` mean predicted probability per type on the reference cells (empty without cell types).
    type_scale
        Scale of the probabilities: ``sqrt(variance of the predicted centroids P @ M / variance of the
        probabilities)``, both on the reference cells (0 without cell types).
    free_units
        Whether the free units are read (``"principal"``: they stand in for the first ``n_free`` principal
        components) or not (``"components"``: ``tail_axes`` are the top principal axes themselves).
    cycle_axes
        ``(m, n_cell_type)`` orthonormal directions of the type part that the reference cells' S/G2M scores predict
        (m <= 2; none in files of format 3 and earlier, or without scores).
    cycle_keep
        ``(m,)`` factor kept along each: ``sqrt(1 - R^2)``, R^2 the share of the reference cells' variance along the
        direction that their scores explain (the type part keeps the variance the cell cycle does not explain).
    """

    mean: np.ndarray
    tail_axes: np.ndarray
    type_center: np.ndarray
    type_scale: float
    free_units: bool = True
    cycle_axes: np.ndarray | None = None
    cycle_keep: np.ndarray | None = None

    @classmethod
    def fit(
        cls, X: np.ndarray, latent, *, layout, n_principal: int, rows: np.ndarray | None = None,
        codes: np.ndarray | None = None, chunk: int = 65536, principal: tuple[np.ndarray, np.ndarray] | None = None,
        free_units: bool = True, phase: np.ndarray | None = None,
    ) -> "Readout":
        """Fit on the reference cells ``rows`` (bool or int; all when None) of the features ``X`` ``(n, n_input)``.

        ``latent`` maps a block of features to its latent vectors ``(m, layout.dim)`` (e.g.
        :meth:`jae.JAE.latent_transformed`); ``codes`` (int, one per reference cell, ``-1`` for unlabelled) give the
        labels that set the cell-type part's variance. Everything is accumulated over row chunks, so memory stays at
        one chunk however many cells there are. ``principal``: :func:`principal_axes` of the same rows, already
        computed with at least ``n_principal`` (and ``layout.n_free``) axes. ``free_units``: see the class.
        ``phase``: ``(n_reference, 2)`` S and G2/M scores of the reference cells (as ``codes``), which set
        ``cycle_axes`` (None: no cell-cycle shrink).
        """
        idx = np.arange(len(X)) if rows is None else (np.flatnonzero(rows) if np.asarray(rows).dtype == bool else rows)
        skip = layout.n_free if free_units else 0
        n_tail = max(int(n_principal) - skip, 0)
        if principal is None:
            principal = principal_axes(X, skip + n_tail, rows=idx, chunk=chunk)
        mean, axes = principal
        axes = axes[skip:skip + n_tail]
        center, scale = np.zeros(layout.n_cell_type, np.float32), 0.0
        cycle = None
        if layout.n_cell_type and codes is not None:
            codes = np.asarray(codes)
            known = np.flatnonzero(codes >= 0)
            centroids, _ = _centroids(X, codes[known], layout.n_cell_type, rows=idx[known], chunk=chunk)
            # first and second moments of the probabilities and of the centroids they predict, chunk by chunk
            p_sum, p_sq = np.zeros(layout.n_cell_type), 0.0
            m_sum, m_sq = np.zeros(X.shape[1]), 0.0
            cycle = None if phase is None else _CycleMoments(layout.n_cell_type)
            phase = None if phase is None else np.asarray(phase)
            for start in range(0, len(known), chunk):
                feats = np.asarray(X[idx[known[start:start + chunk]]], dtype=np.float32)
                P = softmax(latent(feats)[:, layout.block("cell_type")]).astype(np.float64)
                p_sum += P.sum(axis=0)
                p_sq += float((P ** 2).sum())
                predicted = P @ centroids
                m_sum += predicted.sum(axis=0)
                m_sq += float((predicted ** 2).sum())
                if cycle is not None:
                    cycle.add(P, phase[known[start:start + chunk]])
            n_known = max(len(known), 1)
            center = p_sum / n_known
            # the probabilities' own spread: how sharp the softmax is depends on when early stopping ended training
            # (a temperature), not on the data, so the block's weight is set relative to it
            spread = p_sq / n_known - float(np.sum(center ** 2))
            # the variance of the centroids the probabilities predict: the between-type variance of the input as far
            # as the head resolves it (all of it for a confident, correct head; nothing for a head still at uniform)
            predicted_var = m_sq / n_known - float(np.sum((m_sum / n_known) ** 2))
            scale = float(np.sqrt(max(predicted_var, 0.0) / spread)) if spread > 0 else 0.0
        cycle_axes, cycle_keep = (None, None) if cycle is None else cycle.directions()
        return cls(mean.astype(np.float32), axes.astype(np.float32), center.astype(np.float32), scale, bool(free_units),
                   cycle_axes, cycle_keep)

    @property
    def n_tail(self) -> int:
        return int(self.tail_axes.shape[0])

    def dim(self, layout) -> int:
        """Width of the embedding for ``layout``."""
        return layout.n_cell_type + (layout.n_free if self.free_units else 0) + self.n_tail

    def column_names(self, layout, cell_types=()) -> list[str]:
        """``'cell_type:<name>'``, ``'free:<i>'`` and ``'pc:<i>'`` column names."""
        cell_types = list(cell_types) or [str(i) for i in range(layout.n_cell_type)]
        n_free = layout.n_free if self.free_units else 0
        return (
            [f"cell_type:{c}" for c in cell_types]
            + [f"free:{i}" for i in range(n_free)]
            + [f"pc:{n_free + i}" for i in range(self.n_tail)]
        )

    def __call__(self, X: np.ndarray, Z: np.ndarray, layout) -> np.ndarray:
        """``(n, dim)`` float32 embedding of features ``X`` ``(n, n_input)`` with latent ``Z`` ``(n, layout.dim)``."""
        parts = []
        if layout.n_cell_type:
            typed = self.type_scale * (softmax(Z[:, layout.block("cell_type")]) - self.type_center)
            parts.append(self._along_cycle(typed))
        if self.free_units:
            parts.append(np.asarray(Z[:, layout.block("free")], dtype=np.float32))
        if self.n_tail:
            parts.append((np.asarray(X, dtype=np.float32) - self.mean) @ self.tail_axes.T)
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)

    def probabilities(self, embedding: np.ndarray, layout) -> np.ndarray:
        """The cell-type probabilities back from an embedding's cell-type part."""
        if not layout.n_cell_type or self.type_scale <= 0:
            raise ValueError("this readout has no cell-type part")
        typed = self._along_cycle(embedding[:, : layout.n_cell_type], inverse=True)
        return typed / self.type_scale + self.type_center

    def _along_cycle(self, typed: np.ndarray, *, inverse: bool = False) -> np.ndarray:
        """``typed`` ``(n, n_cell_type)`` with its components along ``cycle_axes`` multiplied by ``cycle_keep`` (or
        divided by it: ``inverse``); unchanged without cycle axes."""
        if self.cycle_axes is None or not len(self.cycle_axes):
            return typed
        A = self.cycle_axes
        factor = 1.0 / self.cycle_keep if inverse else self.cycle_keep
        return (typed - ((typed @ A.T) * (1.0 - np.asarray(factor, np.float32))) @ A).astype(np.float32)

    def to_tensors(self) -> dict[str, np.ndarray]:
        out = {"mean": self.mean, "tail_axes": self.tail_axes, "type_center": self.type_center}
        if self.cycle_axes is not None:
            out.update(cycle_axes=self.cycle_axes, cycle_keep=self.cycle_keep)
        return out


class _CycleMoments:
    """Moments of the reference cells' type probabilities ``P`` and S/G2M scores ``S``, accumulated chunk by chunk,
    and the type part's cell-cycle directions they give (:attr:`Readout.cycle_axes`).

    Why (tuning.md, round 32): the principal part already holds the cell cycle in the input's proportion; where
    cycling cells are spread unevenly over the types, the type part adds the cycle a second time along the type
    directions the scores predict (on a 1,300-cell PBMC subset the embedding's cycle share was 1.34 times the GEX's).
    Each of those directions keeps the share of its variance the scores do not explain; a type part the cycle does
    not predict (R^2 near 0) is left as it is.
    """

    def __init__(self, n_types: int) -> None:
        self.n = 0
        self.p, self.s = np.zeros(n_types), np.zeros(2)
        self.pp, self.sp, self.ss = np.zeros((n_types, n_types)), np.zeros((2, n_types)), np.zeros((2, 2))

    def add(self, P: np.ndarray, S: np.ndarray) -> None:
        S = np.asarray(S, dtype=np.float64)
        ok = np.isfinite(S).all(axis=1)
        P, S = P[ok], S[ok]
        self.n += len(P)
        self.p += P.sum(axis=0)
        self.s += S.sum(axis=0)
        self.pp += P.T @ P
        self.sp += S.T @ P
        self.ss += S.T @ S

    def directions(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """``(m, n_types)`` orthonormal directions and ``(m,)`` kept factors (None, None: too few cells or scores)."""
        if self.n < 3:
            return None, None
        mp, ms = self.p / self.n, self.s / self.n
        c_pp = self.pp / self.n - np.outer(mp, mp)
        c_sp = self.sp / self.n - np.outer(ms, mp)
        c_ss = self.ss / self.n - np.outer(ms, ms)
        if np.linalg.matrix_rank(c_ss) < 2 or np.trace(c_pp) <= 0:
            return None, None
        coef = np.linalg.solve(c_ss, c_sp)  # (2, n_types): the probabilities' regression on the scores
        _, sv, vt = np.linalg.svd(coef, full_matrices=False)
        axes = vt[sv > sv.max() * 1e-9] if sv.max() > 0 else vt[:0]
        keep = []
        for u in axes:
            along = float(u @ c_pp @ u)
            cov = c_sp @ u  # (2,)
            r2 = float(cov @ np.linalg.solve(c_ss, cov)) / along if along > 0 else 0.0
            keep.append(np.sqrt(1.0 - min(max(r2, 0.0), 0.99)))
        return axes.astype(np.float32), np.asarray(keep, dtype=np.float32)
