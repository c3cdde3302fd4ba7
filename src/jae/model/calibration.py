"""Label transfer a user can trust (issue 15): calibrated confidence and an "unknown" call.

Both are fitted on the reference cells that pretraining held out for early stopping (the seeded validation split,
:func:`jae.train.split_validation`), never on cells the network was trained on:

- **confidence**: the softmax of the cell-type logits divided by a temperature ``T``, the one number that minimises
  the negative log-likelihood of the held-out cells' labels (temperature scaling, Guo et al. 2017) under a log-normal
  prior centred on ``T = 1`` (:data:`TEMPERATURE_PRIOR_SD`, :func:`fit_temperature`). With reference
  voters (:mod:`jae.model.voters`) the probabilities are the equal mixture of that softmax and the voters' 15-NN
  vote, and ``T`` minimises the *mixture's* negative log-likelihood (the held-out cells are never voters, so their
  vote is an honest out-of-sample one); ``mixed`` records which. The expected calibration error (ECE, 10
  equal-width bins of the confidence) of the final probabilities on the held-out cells is kept at ``T = 1`` and at
  the fitted ``T``, beside its floor (:func:`calibration_error_floor`): the error a perfectly calibrated classifier
  would show on that many cells, since the binned estimate is biased upwards by the sampling noise of each bin.
- **unknown**: thresholds on the held-out cells for each candidate score, each at the share ``UNKNOWN_QUANTILE`` of
  them: the calibrated head's top probability (:attr:`LabelCalibration.head_threshold`, :meth:`head_score`: the
  call, see :data:`jae.labels.UNKNOWN_SCORE` for the choice and its mechanism), the mixture's top probability
  (:attr:`confidence_threshold`), the mean distance to the nearest voters (:attr:`knn_threshold`, the call of files
  saved before ``head_threshold``) and the distance to the nearest type centroid over the type's median spread
  (:attr:`distance_threshold`, :meth:`unknown_score`; the call of models without voters). Distances are taken in
  the embedding's columns after the cell-type part. Each ``*_score`` method gives its score in units of its
  threshold (> 1: called unknown by it). Everything here is numpy; the arrays are saved with the model's weights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .._words import fields_line
from .temperature import (
    TEMPERATURE_PRIOR_SD, _softmax_at, calibration_error_floor, expected_calibration_error, fit_temperature,
)

__all__ = [
    "LabelCalibration", "expected_calibration_error", "calibration_error_floor", "fit_temperature",
    "UNKNOWN_QUANTILE", "TEMPERATURE_PRIOR_SD",
]

#: Share of held-out reference cells the unknown thresholds are set at (each test): at most this share of reference
#: cells fails each test alone. 0.05 is a conventional false-positive budget, not tuned.
UNKNOWN_QUANTILE = 0.05

#: The fields added after the first calibrated model files: None in ``model.json`` when NaN, NaN when absent.
_OPTIONAL = ("knn_threshold", "head_threshold", "ece_floor", "linear_temperature", "head_threshold_rna_alone",
             "head_threshold_other_alone", "far_threshold_rna_alone", "far_threshold_other_alone")


def _one_modality(observed, n: int) -> tuple:
    """Two ``(n,)`` masks, the cells measured in RNA alone and in the second modality alone, of ``observed`` (``(n,
    2)`` bool; None: all paired, no masks), refused in one line unless one row per cell."""
    if observed is None:
        return ()
    observed = np.asarray(observed, dtype=bool)
    if observed.shape != (n, 2):
        raise ValueError(f"observed has shape {observed.shape}: expected whether each of the {n} cells has each "
                         f"modality, ({n}, 2)")
    return tuple(observed[:, i] & ~observed[:, 1 - i] for i in (0, 1))


@dataclass(frozen=True)
class LabelCalibration:
    """Temperature, unknown-call thresholds and type centroids of a supervised model.

    Attributes
    ----------
    temperature
        Divides the cell-type logits before the softmax.
    ece_raw, ece
        Expected calibration error on the held-out reference cells before and after temperature scaling.
    ece_floor
        :func:`calibration_error_floor` of the calibrated probabilities on those cells: what a perfectly calibrated
        classifier would score there (NaN in files written before it).
    linear_temperature
        Divides the linear classifier's logits (:mod:`jae.model.linear`) before their softmax, which is mixed with
        the vote into the returned probabilities; NaN in files written before it, whose probabilities are the
        head's mixture with the vote.
    n_heldout
        Held-out reference cells it was fitted on.
    confidence_threshold
        Calibrated confidences below it count as low.
    distance_threshold
        Relative distances (to the nearest type centroid, over the type's median spread) above it count as far.
    score_threshold
        :meth:`unknown_score` above it calls a cell unknown.
    centroids
        ``(n_types, d)`` float32 type centroids of the training reference cells in the embedding's columns after the
        cell-type part (NaN rows for a type with no training cell).
    spreads
        ``(n_types,)`` float32 median distance of each type's training cells to its centroid.
    mixed
        True when the probabilities are the mixture of the head and the reference voters' vote
        (:mod:`jae.model.voters`): the temperature was then fitted, and the ECEs measured, on the mixture.
    knn_threshold
        The ``1 - UNKNOWN_QUANTILE`` quantile of the held-out cells' mean distance to their nearest voters in the
        embedding's columns after the cell-type part (NaN without voters); the unit of :meth:`knn_score`.
    head_threshold
        The ``UNKNOWN_QUANTILE`` quantile of the held-out cells' calibrated *head* confidence (the top probability of
        the temperature-scaled head alone, before the mixture); the unit of :meth:`head_score`, the unknown call's
        score (:data:`jae.labels.UNKNOWN_SCORE`). NaN in files written before it (they keep the kNN call).
    head_threshold_rna_alone, head_threshold_other_alone
        The same quantile for the held-out cells placed from their RNA alone, or from the second modality alone (the
        other block filled by its regression, as for query cells measured in one modality,
        :func:`jae.query.fill_missing_blocks`): the unit of :meth:`head_score` for such cells. The head is less sure
        of a cell missing a modality, so the paired cells' threshold flagged known cells measured in one modality
        (PBMC10k from RNA alone: 17% against 6% paired). NaN in files written before them (those that keep their
        calibration cells get them when such cells are first predicted, :func:`jae.labels.predict_cell_type`), and
        without the reference's feature moments: such cells then take :attr:`head_threshold`.
    far_threshold_rna_alone, far_threshold_other_alone
        The same for :meth:`relative_distance` (its ``1 - UNKNOWN_QUANTILE`` quantile): the unit of :meth:`far_score`
        for such cells. NaN in files before them (then computed as the head's are) and without feature moments.
    """

    temperature: float
    ece_raw: float
    ece: float
    n_heldout: int
    confidence_threshold: float
    distance_threshold: float
    score_threshold: float
    centroids: np.ndarray
    spreads: np.ndarray
    mixed: bool = False
    knn_threshold: float = float("nan")
    head_threshold: float = float("nan")
    ece_floor: float = float("nan")
    linear_temperature: float = float("nan")
    head_threshold_rna_alone: float = float("nan")
    head_threshold_other_alone: float = float("nan")
    far_threshold_rna_alone: float = float("nan")
    far_threshold_other_alone: float = float("nan")

    def __repr__(self) -> str:  # the dataclass's printed every array: model.calibration was 100 lines of centroids
        return fields_line(self)

    @classmethod
    def fit(
        cls, *, heldout_logits: np.ndarray, heldout_codes: np.ndarray, heldout_rest: np.ndarray,
        train_rest: np.ndarray, train_codes: np.ndarray, n_types: int, quantile: float = UNKNOWN_QUANTILE,
        heldout_vote: np.ndarray | None = None, heldout_knn: np.ndarray | None = None,
        heldout_linear: np.ndarray | None = None, heldout_logits_alone: tuple = (None, None),
        heldout_paired: np.ndarray | None = None, heldout_rest_alone: tuple = (None, None),
    ) -> "LabelCalibration":
        """Fit on held-out reference cells (logits ``(m, n_types)``, labels, embedding columns after the cell-type
        part ``(m, d)``) and on the training reference cells' embedding columns ``(n, d)`` and labels.

        ``heldout_vote``: the held-out cells' vote shares among the voters ``(m, n_types)`` (the voters exclude
        them): the temperature is then fitted on the mixture, and the ECEs are the mixture's. ``heldout_knn``: their
        mean distance to the nearest voters ``(m,)``, which sets :attr:`knn_threshold`. ``heldout_linear``: their
        logits ``(m, n_types)`` from the voters' linear classifier (:mod:`jae.model.linear`); with a vote, the
        returned probabilities are then its mixture with the vote, at :attr:`linear_temperature` (fitted the same
        way), and the ECEs and the confidence threshold are theirs; the head's temperature is fitted as before (the
        unknown call reads the head). ``heldout_logits_alone``: the held-out cells' head logits when placed from their
        RNA alone and from the second modality alone (None: not measured), which set the thresholds of such cells;
        ``heldout_rest_alone`` their embedding columns after the cell-type part, which set the distance's.
        ``heldout_paired``: ``(m,)`` bool, the held-out cells measured in both modalities (a mosaic reference's;
        None: all), which alone set :attr:`head_threshold` (all cells when none is paired)."""
        from .voters import mixture

        train_codes = np.asarray(train_codes)
        train_rest = np.asarray(train_rest, dtype=np.float64)
        d = train_rest.shape[1]
        centroids = np.full((n_types, d), np.nan)
        spreads = np.ones(n_types)
        for t in range(n_types):
            rows = train_rest[train_codes == t]
            if len(rows):
                centroids[t] = rows.mean(axis=0)
                spread = float(np.median(np.linalg.norm(rows - centroids[t], axis=1)))
                spreads[t] = spread if spread > 0 else 1.0
        temperature = fit_temperature(heldout_logits, heldout_codes, heldout_vote)
        scaled_head = _softmax_at(heldout_logits, temperature)
        paired = slice(None) if heldout_paired is None or not np.any(heldout_paired) else np.asarray(heldout_paired)
        linear_temperature = np.nan
        if heldout_linear is not None and heldout_vote is not None:  # the returned probabilities: linear + vote
            linear_temperature = fit_temperature(heldout_linear, heldout_codes, heldout_vote)
            raw, scaled = _softmax_at(heldout_linear, 1.0), _softmax_at(heldout_linear, linear_temperature)
        else:
            raw, scaled = _softmax_at(heldout_logits, 1.0), scaled_head
        if heldout_vote is not None:
            raw, scaled = mixture(raw, heldout_vote), mixture(scaled, heldout_vote)
        knn = np.nan if heldout_knn is None or not len(heldout_knn) else float(np.quantile(heldout_knn, 1 - quantile))
        out = cls(
            temperature=temperature,
            ece_raw=expected_calibration_error(raw, heldout_codes),
            ece=expected_calibration_error(scaled, heldout_codes),
            n_heldout=int(len(heldout_codes)),
            confidence_threshold=0.0, distance_threshold=np.inf, score_threshold=np.inf,
            centroids=centroids.astype(np.float32), spreads=spreads.astype(np.float32),
            mixed=heldout_vote is not None, knn_threshold=knn,
            head_threshold=float(np.quantile(scaled_head[paired].max(1), quantile)) if len(heldout_codes) else np.nan,
            ece_floor=calibration_error_floor(scaled), linear_temperature=float(linear_temperature),
        ).with_alone_thresholds(heldout_logits_alone, quantile, heldout_rest_alone)
        if not len(heldout_codes):
            return out
        dist = out.relative_distance(heldout_rest)
        conf = scaled.max(axis=1)
        out = cls(**{**out.__dict__, "confidence_threshold": float(np.quantile(conf, quantile)),
                     "distance_threshold": float(np.quantile(dist, 1.0 - quantile))})
        score = out.unknown_score(conf, heldout_rest)
        return cls(**{**out.__dict__, "score_threshold": float(np.quantile(score, 1.0 - quantile))})

    def with_alone_thresholds(self, logits_alone: tuple, quantile: float = UNKNOWN_QUANTILE,
                              rest_alone: tuple = (None, None)) -> "LabelCalibration":
        """This calibration with ``head_threshold_{rna,other}_alone`` from the held-out cells' head logits placed from
        RNA alone / the second modality alone, ``far_threshold_*`` from their columns after the type part
        (``rest_alone``); None or no cells: NaN."""
        out = {}
        for which, logits, rest in zip(("rna", "other"), logits_alone, rest_alone):
            out[f"head_threshold_{which}_alone"] = np.nan if logits is None or not len(logits) else float(
                np.quantile(_softmax_at(logits, self.temperature).max(axis=1), quantile))
            out[f"far_threshold_{which}_alone"] = np.nan if rest is None or not len(rest) else float(
                np.quantile(self.relative_distance(rest), 1.0 - quantile))
        return replace(self, **out)

    @property
    def linear(self) -> bool:
        """Whether the returned probabilities mix the linear classifier (rather than the head) with the vote."""
        return bool(np.isfinite(self.linear_temperature))

    def _types(self, values, what: str = "logits") -> np.ndarray:
        """``values`` ``(n, n_types)``, refused in one line when not one column per cell type (the whole latent, say:
        a softmax over every unit would come back as if it were the types')."""
        values = np.asarray(values)
        n_types = len(self.centroids)
        if values.ndim != 2 or (n_types and values.shape[1] != n_types):
            fix = ("pass the latent's cell-type block, Z[:, model.layout.block('cell_type')]" if what == "logits" else
                   "pass one probability per cell type")
            raise ValueError(f"{what} has shape {values.shape}: expected one column per cell type, (n_cells, "
                             f"{n_types}); {fix}")
        return values

    def linear_probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated ``(n, n_types)`` float32 probabilities from the linear classifier's logits."""
        return _softmax_at(self._types(logits), self.linear_temperature).astype(np.float32)

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated ``(n, n_types)`` float32 probabilities from cell-type logits ``(n, n_types)`` (other shapes are
        refused in one line)."""
        return _softmax_at(self._types(logits), self.temperature).astype(np.float32)

    def rescale(self, prob: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from uncalibrated softmax probabilities ``(n, n_types)`` (``p ** (1/T)``,
        renormalised), for when only the probabilities are at hand (an embedding's cell-type part)."""
        logp = np.log(np.clip(np.asarray(self._types(prob, "prob"), dtype=np.float64), 1e-12, None))
        return self.probabilities(logp)

    def relative_distance(self, rest: np.ndarray) -> np.ndarray:
        """``(n,)`` distance of each row to the nearest type centroid, in units of that type's spread."""
        rest = np.asarray(rest, dtype=np.float64)
        if rest.ndim != 2 or rest.shape[1] != self.centroids.shape[1]:
            raise ValueError(f"rest has shape {rest.shape}: expected the embedding's columns after the cell-type part, "
                             f"(n_cells, {self.centroids.shape[1]}): embedding[:, model.layout.n_cell_type:]")
        keep = ~np.isnan(self.centroids).any(axis=1)
        cent, spread = self.centroids[keep].astype(np.float64), self.spreads[keep].astype(np.float64)
        sq = (rest ** 2).sum(1)[:, None] - 2 * rest @ cent.T + (cent ** 2).sum(1)[None, :]
        return (np.sqrt(np.clip(sq, 0, None)) / spread).min(axis=1)

    def unknown_score(self, confidence: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """Continuous "unlike every reference type" score ``(n,)``: the distance to the nearest type centroid in
        units of the distance threshold. The confidence is not used: a softmax over the reference types has no
        "none of these" answer, and cells of a type the reference lacks were measured to get confident labels
        (benchmarks/results/mapping.md), so only the distance can tell them apart."""
        return self.relative_distance(rest) / max(self.distance_threshold, 1e-12)

    def confidence_score(self, confidence: np.ndarray) -> np.ndarray:
        """``1 - confidence`` in units of ``1 - confidence_threshold`` (> 1: less confident than all but
        ``UNKNOWN_QUANTILE`` of the held-out reference cells); ``confidence``: the calibrated top probability."""
        return (1.0 - np.asarray(confidence, np.float64)) / max(1.0 - self.confidence_threshold, 1e-12)

    def head_score(self, head_confidence: np.ndarray, observed: np.ndarray | None = None) -> np.ndarray:
        """``1 - head_confidence`` (the calibrated head's top probability) in units of ``1 - head_threshold`` (> 1:
        less sure than all but ``UNKNOWN_QUANTILE`` of the held-out cells). ``observed``: ``(n, 2)`` bool, each cell's
        modalities (None: both); a one-modality cell takes :attr:`head_threshold_rna_alone` / ``_other_alone``."""
        threshold = np.full(len(head_confidence), self.head_threshold)
        for rows, alone in zip(_one_modality(observed, len(threshold)),
                               (self.head_threshold_rna_alone, self.head_threshold_other_alone)):
            if np.isfinite(alone):
                threshold[rows] = alone
        return (1.0 - np.asarray(head_confidence, np.float64)) / np.maximum(1.0 - threshold, 1e-12)

    def far_score(self, rest: np.ndarray, observed: np.ndarray | None = None) -> np.ndarray:
        """:meth:`centroid_score`, a cell measured in one modality (``observed``, as :meth:`head_score`) in the units of
        held-out cells placed so (:attr:`far_threshold_rna_alone`, ...; paired where NaN): the unknown call's distance."""
        dist = self.relative_distance(rest)  # once: centroid_score's units for paired cells, their own units else
        score = dist / max(self.distance_threshold, 1e-12) / max(self.score_threshold, 1e-12)
        for rows, alone in zip(_one_modality(observed, len(score)),
                               (self.far_threshold_rna_alone, self.far_threshold_other_alone)):
            if np.isfinite(alone):
                score[rows] = dist[rows] / max(alone, 1e-12)
        return score

    def knn_score(self, knn_distance: np.ndarray) -> np.ndarray:
        """Mean distance to the nearest voters in units of :attr:`knn_threshold` (> 1: farther from the reference
        cells than all but ``UNKNOWN_QUANTILE`` of the held-out reference cells)."""
        return np.asarray(knn_distance, np.float64) / max(self.knn_threshold, 1e-12)

    def centroid_score(self, rest: np.ndarray) -> np.ndarray:
        """:meth:`unknown_score` in units of :attr:`score_threshold` (> 1: farther from every reference type than all
        but ``UNKNOWN_QUANTILE`` of the held-out reference cells; the call of models without voters)."""
        return self.unknown_score(None, rest) / max(self.score_threshold, 1e-12)

    def describe(self) -> dict:
        """The scalars, for ``model.json``."""
        return {k: float(getattr(self, k)) for k in
                ("temperature", "ece_raw", "ece", "confidence_threshold", "distance_threshold", "score_threshold")} | {
                    "n_heldout": self.n_heldout, "mixed": self.mixed} | {
                    k: None if np.isnan(getattr(self, k)) else float(getattr(self, k)) for k in _OPTIONAL}

    def to_tensors(self) -> dict[str, np.ndarray]:
        return {"centroids": self.centroids, "spreads": self.spreads}

    @classmethod
    def from_saved(cls, description: dict, tensors: dict[str, np.ndarray]) -> "LabelCalibration":
        def optional(key: str) -> float:  # fields added after the first calibrated files: NaN when absent
            return float("nan") if description.get(key) is None else float(description[key])

        return cls(**{k: float(description[k]) for k in
                      ("temperature", "ece_raw", "ece", "confidence_threshold", "distance_threshold", "score_threshold")},
                   n_heldout=int(description["n_heldout"]), mixed=bool(description.get("mixed", False)),
                   **{k: optional(k) for k in _OPTIONAL},
                   centroids=np.asarray(tensors["centroids"], np.float32),
                   spreads=np.asarray(tensors["spreads"], np.float32))
