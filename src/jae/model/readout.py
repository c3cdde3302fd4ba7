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
  almost nothing, instead of its noise blown up to the full between-type variance (tuning.md, round 27). Since
  round 46 the probabilities are the equal mixture of the head's softmax and a linear classifier (an L2 logistic
  regression, :mod:`jae.model.linear`) of the reference cells' labels on the embedding's other columns, fitted here:
  the early-stopped head underfits a small reference's types, the classifier is fitted to convergence and errs
  differently, and the head's probabilities can be recovered from the embedding (:meth:`Readout.probabilities`).
- **small references** (:func:`fit_principal_axes`): the axes are the reference cells', unless their top axes do not
  carry to reference cells outside their fit (:func:`axes_carry`): then they come from every cell given to ``fit``
  (within-batch covariance) and the type part's cell-cycle directions are shrunk (tuning.md, round 38).
- The batch units (trained towards a uniform guess, they hold no biology) and the phase units (a 2-d regression of
  the S/G2M scores, already present in the principal part) are left out; :meth:`jae.JAE.latent` still returns the
  whole latent vector.

Everything here is numpy; the readout's arrays are saved with the model's weights.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .._words import apart, fields_line
from .voters import MAX_VOTERS

__all__ = ["Readout", "softmax", "principal_axes", "axes_carry", "fit_principal_axes", "between_type_variance"]

logger = logging.getLogger(__name__)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(n, k)`` logits, computed stably in float64, returned as float32. A row with NaN, +inf
    or only -inf logits has no probabilities: refused in one line (a -inf logit alone is a type left out)."""
    z = np.asarray(logits, dtype=np.float64)
    top = z.max(axis=1, keepdims=True)
    if not np.isfinite(top).all():  # else NaN probabilities without a word (inf - inf)
        bad = np.flatnonzero(~np.isfinite(top[:, 0]))
        raise ValueError(f"logits have {len(bad)} of {len(z)} rows with NaN, +inf or only -inf values (the first: row "
                         f"{int(bad[0])}): no probabilities there; pass finite logits (-inf only for left-out types)")
    z = np.exp(z - top)
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


def _positions(rows, n: int) -> np.ndarray:
    """Positions among ``n`` rows of ``rows``: a bool mask of them (one value per row, refused in one line otherwise:
    a shorter mask would pick among the first rows only), positions, or None (all)."""
    if rows is None:
        return np.arange(n)
    arr = np.asarray(rows)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"rows is a mask of shape {arr.shape} for the {n} rows of X: expected one bool per row")
        return np.flatnonzero(arr)
    return arr


def principal_axes(
    X: np.ndarray, k: int, *, rows: np.ndarray | None = None, groups: np.ndarray | None = None, chunk: int = 65536
) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(n_features,)`` and top ``k`` principal axes ``(k', n_features)`` of the rows ``rows`` of ``X``.

    The axes are the leading eigenvectors of the covariance, accumulated over row chunks in float64 (memory: one
    chunk plus a ``(n_features, n_features)`` matrix however many cells there are); ``k' = min(k, n_features,
    n_rows - 1)``; each axis's largest loading is positive, so the result does not depend on the solver's signs.
    With ``groups`` (one integer code per row of ``X``, e.g. the batch) the covariance is the within-group one, each
    row centred on its group's mean, so that no difference between group means defines an axis; the returned mean
    is still the mean of all the rows used.
    """
    from .._flags import is_whole

    if not is_whole(k, 0):  # else 'slice indices must be integers' (2.5), or no axes without a word (-1)
        raise ValueError(f"k must be a whole number of principal axes, at least 0, not {k!r}")
    idx = _positions(rows, len(X))
    d = X.shape[1]
    codes = np.zeros(len(idx), dtype=np.int64) if groups is None else np.asarray(groups)[idx].astype(np.int64)
    n_groups = int(codes.max()) + 1 if len(codes) else 1
    sums, counts = np.zeros((n_groups, d)), np.bincount(codes, minlength=n_groups).astype(np.float64)
    for start in range(0, len(idx), chunk):
        block, block_codes = X[idx[start:start + chunk]], codes[start:start + chunk]
        for g in np.unique(block_codes):
            sums[g] += (block if n_groups == 1 else block[block_codes == g]).sum(axis=0, dtype=np.float64)
    mean = sums.sum(axis=0) / max(len(idx), 1)
    centres = sums / np.maximum(counts, 1.0)[:, None]
    cov = np.zeros((d, d))
    for start in range(0, len(idx), chunk):
        centred = X[idx[start:start + chunk]].astype(np.float64) - centres[codes[start:start + chunk]]
        cov += centred.T @ centred
    if not np.isfinite(cov).all():  # else eigh's 'Eigenvalues did not converge', or NaN axes
        raise ValueError("X holds NaN or infinite values in the rows used: no principal axes; leave those cells out "
                         "(rows=) or fill them in")
    values, vectors = np.linalg.eigh(cov)  # ascending
    axes = vectors[:, ::-1][:, : max(min(k, d, len(idx) - 1), 0)].T
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    return mean, axes * np.where(signs == 0, 1.0, signs)[:, None]


def axes_carry(X: np.ndarray, k: int, *, rows: np.ndarray | None, seed: int = 0, chunk: int = 65536) -> float:
    """How much of the variance that top-``k`` principal axes capture of the cells they were fitted on they also
    capture of other cells like them: a seeded 2-fold cross-fit over the rows ``rows`` of ``X``, each half's axes
    (and mean) applied to the other half, the captured variance divided by the half's own, averaged over the two
    folds; clipped to [0, 1]. Near 1 when the axes are the population's; low when there are so few rows for the
    features that the top axes fit the rows' own noise, so that new cells' principal parts come out squeezed next
    to the fitted cells' (tuning.md, rounds 33 and 38). NaN with fewer than four rows. ``rows``: a bool mask of
    ``X``'s rows, positions, or None (every row), as for :func:`principal_axes`.
    """
    idx = _positions(rows, len(X))
    if len(idx) < 4:
        return float("nan")
    perm = np.random.default_rng(seed).permutation(idx)
    halves = (np.sort(perm[: len(perm) // 2]), np.sort(perm[len(perm) // 2:]))
    ratios = []
    for own, other in (halves, halves[::-1]):
        mean, axes = principal_axes(X, k, rows=own, chunk=chunk)
        mine, theirs = (_captured(X, r, mean, axes, chunk) for r in (own, other))
        ratios.append(theirs / mine if mine > 0 else 1.0)
    return float(np.clip(np.mean(ratios), 0.0, 1.0))


def _captured(X: np.ndarray, idx: np.ndarray, mean: np.ndarray, axes: np.ndarray, chunk: int) -> float:
    """Mean squared length of the rows ``idx`` of ``X``, centred on ``mean``, projected on ``axes`` (row chunks)."""
    total = 0.0
    for start in range(0, len(idx), chunk):
        total += float((((X[idx[start:start + chunk]].astype(np.float64) - mean) @ axes.T) ** 2).sum())
    return total / len(idx)


def fit_principal_axes(
    X: np.ndarray, k: int, *, ref: np.ndarray, batch: np.ndarray, config, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], bool, float | None]:
    """The principal axes of a fit (its PCA start and its readout's principal part), whether the readout shrinks the
    type part's cell cycle, and the reference axes' carry (None with the rule off); the small-reference rule.

    The axes are the reference cells' (``ref``), unless the config forces them from every cell
    (``principal_all_cells``) or the rule applies: the fit has unlabelled cells and the reference cells' top axes keep
    less than ``config.axes_carry_min`` of their variance on reference cells outside their fit (:func:`axes_carry`).
    Such axes hold the reference cells' own noise, so new cells' principal parts would come out squeezed beside the
    reference cells' (a batch effect of the model's own making) and the type part, scaled on the reference cells,
    would weigh on them more than its design; the rule then fits the axes on every cell and shrinks the type part's
    cell-cycle directions (``type_cycle_shrink``). Whichever cells they are fitted on, the axes come from the
    within-batch covariance (``batch``: one code per row; ``config.principal_within_batch``), so that no batch's mean,
    a query batch's shift above all, defines an axis (tuning.md, rounds 33, 38, 39 and 43).
    """
    all_cells, shrink = config.principal_all_cells, config.type_cycle_shrink
    carry = axes_carry(X, k, rows=ref, seed=seed) if config.axes_carry_min > 0 else None  # kept for map_query
    if carry is not None and not ref.all() and not (all_cells and shrink):
        small = not carry >= config.axes_carry_min  # NaN (under four reference cells) counts as small
        shown, bound = apart(carry, config.axes_carry_min)  # 0.8965 beside 0.9: not '0.90 (below ... 0.90)'
        logger.log(  # INFO when the rule changes the fit; a carry at or above the threshold changes nothing
            logging.INFO if small else logging.DEBUG,
            "principal axes from %s: the reference cells' top %d axes keep %s of their variance on reference "
            "cells outside their fit (%s axes_carry_min %s)", "every cell" if small else "the reference cells",
            k, shown, "below" if small else "at or above", bound,
        )
        all_cells, shrink = all_cells or small, shrink or small
    groups = batch if config.principal_within_batch else None
    axes = principal_axes(X, k, rows=None if all_cells else ref, groups=groups)
    return axes, shrink, carry


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
    type_coef, type_intercept
        ``(n_cell_type, dim - n_cell_type)`` and ``(n_cell_type,)``: the linear classifier of the reference cells'
        labels on the embedding's other columns (``-inf`` intercept: a type it was not fitted on); the type part's
        probabilities are then the equal mixture of the head's softmax and this classifier's (None: the head's alone,
        files of format 4 and earlier).
    """

    mean: np.ndarray
    tail_axes: np.ndarray
    type_center: np.ndarray
    type_scale: float
    free_units: bool = True
    cycle_axes: np.ndarray | None = None
    cycle_keep: np.ndarray | None = None
    type_coef: np.ndarray | None = None
    type_intercept: np.ndarray | None = None

    def __repr__(self) -> str:  # the dataclass's printed every array: model.readout was 160 lines
        return fields_line(self)

    @classmethod
    def fit(
        cls, X: np.ndarray, latent, *, layout, n_principal: int, rows: np.ndarray | None = None,
        codes: np.ndarray | None = None, chunk: int = 65536, principal: tuple[np.ndarray, np.ndarray] | None = None,
        free_units: bool = True, phase: np.ndarray | None = None, linear: bool = False, seed: int = 0,
        heldout: np.ndarray | None = None,
    ) -> "Readout":
        """Fit on the reference cells ``rows`` (bool or int; all when None) of the features ``X`` ``(n, n_input)``.

        ``latent`` maps a block of features to its latent vectors ``(m, layout.dim)`` (e.g.
        :meth:`jae.JAE.latent_transformed`); ``codes`` (int, one per reference cell, ``-1`` for unlabelled) give the
        labels that set the cell-type part's variance. Everything is accumulated over row chunks, so memory stays at
        one chunk however many cells there are. ``principal``: :func:`principal_axes` of the same rows, already
        computed with at least ``n_principal`` (and ``layout.n_free``) axes. ``free_units``: see the class.
        ``phase``: ``(n_reference, 2)`` S and G2/M scores of the reference cells (as ``codes``), which set
        ``cycle_axes`` (None: no cell-cycle shrink). ``linear``: fit ``type_coef`` / ``type_intercept`` on the labelled
        reference cells (a sample seeded by ``seed`` above :data:`MAX_TYPE_FIT`) and mix their classifier into the
        type part; ``heldout``: positions among the reference cells (as ``codes``) the classifier must not see (the
        cells the label calibration is fitted on, so that they stay as new to it as query cells).
        """
        idx = _positions(rows, len(X))
        skip = layout.n_free if free_units else 0
        n_tail = max(int(n_principal) - skip, 0)
        if principal is None:
            principal = principal_axes(X, skip + n_tail, rows=idx, chunk=chunk)
        mean, axes = principal
        axes = axes[skip:skip + n_tail]
        center, scale = np.zeros(layout.n_cell_type, np.float32), 0.0
        cycle = None
        coef = intercept = None
        if layout.n_cell_type and codes is not None:
            codes = np.asarray(codes)
            known = np.flatnonzero(codes >= 0)
            centroids, _ = _centroids(X, codes[known], layout.n_cell_type, rows=idx[known], chunk=chunk)
            rest_of = _RestColumns(mean.astype(np.float32), axes.astype(np.float32), free_units, layout)
            train = known if heldout is None else np.setdiff1d(known, heldout)
            if linear and len(train):
                coef, intercept = _fit_linear(X, latent, rest_of, idx, codes, train, layout.n_cell_type, seed)
            # first and second moments of the probabilities and of the centroids they predict, chunk by chunk
            p_sum, p_sq = np.zeros(layout.n_cell_type), 0.0
            m_sum, m_sq = np.zeros(X.shape[1]), 0.0
            cycle = None if phase is None else _CycleMoments(layout.n_cell_type)
            phase = None if phase is None else np.asarray(phase)
            for start in range(0, len(known), chunk):
                feats = np.asarray(X[idx[known[start:start + chunk]]], dtype=np.float32)
                Z = latent(feats)
                P = _type_probabilities(Z, rest_of(feats, Z), layout, coef, intercept).astype(np.float64)
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
        # C order, as a saved model loads them: a transposed view would sum the products in another order
        return cls(mean.astype(np.float32), np.ascontiguousarray(axes, np.float32), center.astype(np.float32), scale,
                   bool(free_units), cycle_axes, cycle_keep, coef, intercept)

    @property
    def n_tail(self) -> int:
        return int(self.tail_axes.shape[0])

    def dim(self, layout) -> int:
        """Width of the embedding for ``layout``."""
        return layout.n_cell_type + (layout.n_free if self.free_units else 0) + self.n_tail

    def column_names(self, layout, cell_types=()) -> list[str]:
        """``'cell_type:<name>'``, ``'free:<i>'`` and ``'pc:<i>'`` column names."""
        cell_types = list(cell_types) or [str(i) for i in range(layout.n_cell_type)]
        if len(cell_types) != layout.n_cell_type:
            raise ValueError(f"{len(cell_types)} cell type names for the layout's {layout.n_cell_type} cell types")
        n_free = layout.n_free if self.free_units else 0
        return (
            [f"cell_type:{c}" for c in cell_types]
            + [f"free:{i}" for i in range(n_free)]
            + [f"pc:{n_free + i}" for i in range(self.n_tail)]
        )

    def __call__(self, X: np.ndarray, Z: np.ndarray, layout) -> np.ndarray:
        """``(n, dim)`` float32 embedding of features ``X`` ``(n, n_input)`` with latent ``Z`` ``(n, layout.dim)`` (other
        shapes are refused in one line)."""
        if np.ndim(X) != 2 or np.ndim(Z) != 2 or np.shape(X) != (len(Z), len(self.mean)) or Z.shape[1] != layout.dim:
            raise ValueError(f"features have shape {np.shape(X)} and latent {np.shape(Z)}: expected (n_cells, "
                             f"{len(self.mean)}) and (n_cells, {layout.dim}), model.latent_transformed(features)")
        rest = _RestColumns(self.mean, self.tail_axes, self.free_units, layout)(X, Z)
        if not layout.n_cell_type:
            return rest
        P = _type_probabilities(Z, rest, layout, self.type_coef, self.type_intercept)
        typed = self._along_cycle(self.type_scale * (P - self.type_center))
        return np.ascontiguousarray(np.hstack([typed, rest]), dtype=np.float32)

    def type_probabilities(self, embedding: np.ndarray, layout) -> np.ndarray:
        """The probabilities the cell-type part shows, back from an embedding (the head's mixed with the linear
        classifier's when the readout has one)."""
        if not layout.n_cell_type or self.type_scale <= 0:
            raise ValueError("this readout has no cell-type part")
        if np.ndim(embedding) != 2 or np.shape(embedding)[1] != self.dim(layout):
            raise ValueError(f"embedding has shape {np.shape(embedding)}: expected this model's embedding, (n_cells, "
                             f"{self.dim(layout)}) (model.embed, not model.latent)")
        typed = self._along_cycle(embedding[:, : layout.n_cell_type], inverse=True)
        return typed / self.type_scale + self.type_center

    def probabilities(self, embedding: np.ndarray, layout) -> np.ndarray:
        """The cell-type head's probabilities back from an embedding's cell-type part (the linear classifier's half
        of the mixture, computed from the other columns, taken off)."""
        P = self.type_probabilities(embedding, layout)
        if self.type_coef is None:
            return P
        return 2.0 * P - _linear_softmax(embedding[:, layout.n_cell_type:], self.type_coef, self.type_intercept)

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
        if self.type_coef is not None:
            out.update(type_coef=self.type_coef, type_intercept=self.type_intercept)
        return out


#: Most labelled reference cells the readout's linear classifier is fitted on (a seeded sample above it), as many as
#: label transfer's voters.
MAX_TYPE_FIT = MAX_VOTERS


@dataclass(frozen=True)
class _RestColumns:
    """The embedding's columns after the cell-type part: the free units (``free_units``), then ``(X - mean) @
    axes.T``."""

    mean: np.ndarray
    axes: np.ndarray
    free_units: bool
    layout: object

    def __call__(self, X: np.ndarray, Z: np.ndarray) -> np.ndarray:
        parts = []
        if self.free_units:
            parts.append(np.asarray(Z[:, self.layout.block("free")], dtype=np.float32))
        if len(self.axes):
            parts.append((np.asarray(X, dtype=np.float32) - self.mean) @ self.axes.T)
        if not parts:
            return np.zeros((len(X), 0), np.float32)
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)


def _linear_softmax(rest: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """The linear classifier's ``(n, n_types)`` probabilities of the embedding's other columns ``rest`` (its logits
    by :meth:`jae.model.linear.LinearClassifier.logits`; a ``-inf`` intercept marks a type it was not fitted on)."""
    from .linear import LinearClassifier

    known = np.isfinite(intercept)
    fitted = LinearClassifier(coef=np.asarray(coef, np.float64), intercept=np.where(known, intercept, 0.0), known=known)
    return softmax(fitted.logits(rest))


def _type_probabilities(Z: np.ndarray, rest: np.ndarray, layout, coef, intercept) -> np.ndarray:
    """The type part's probabilities: the head's softmax of ``Z``'s cell-type logits, mixed in equal parts with the
    linear classifier's of ``rest`` when there is one (round 46)."""
    head = softmax(Z[:, layout.block("cell_type")])
    if coef is None:
        return head
    return (0.5 * (head.astype(np.float64) + _linear_softmax(rest, coef, intercept))).astype(np.float32)


def _fit_linear(X, latent, rest_of, idx, codes, known, n_types: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The readout's linear classifier (:class:`jae.model.linear.LinearClassifier`) fitted on the labelled reference
    cells ``idx[known]`` (a seeded :data:`MAX_TYPE_FIT` of them above it; the held-out ones already left out):
    ``coef`` and ``intercept`` (``-inf`` for types without a cell in the fit), float32."""
    from .linear import LinearClassifier

    pick = known
    if len(pick) > MAX_TYPE_FIT:
        pick = np.sort(np.random.default_rng(seed).choice(known, MAX_TYPE_FIT, replace=False))
    feats = np.asarray(X[idx[pick]], dtype=np.float32)
    fitted = LinearClassifier.fit(rest_of(feats, latent(feats)), codes[pick], n_types)
    intercept = np.where(fitted.known, fitted.intercept, -np.inf)
    return fitted.coef.astype(np.float32), intercept.astype(np.float32)


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
