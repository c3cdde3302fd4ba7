"""Temperature scaling and how it is judged: the expected calibration error (ECE) and its sampling floor.

Pure functions of arrays (numpy in, numbers out), used by :class:`jae.model.calibration.LabelCalibration`, which
fits the temperature on held-out reference cells, and by the benchmarks. Probabilities are ``(n_cells, n_types)``
rows in [0, 1] summing to 1; label codes are positions among the types (an unlabelled cell's -1 is refused).
"""

from __future__ import annotations

import numpy as np

__all__ = ["expected_calibration_error", "calibration_error_floor", "fit_temperature", "ECE_BINS",
           "TEMPERATURE_PRIOR_SD"]

#: Bins of the expected calibration error (the issue's definition: 10 equal-width bins).
ECE_BINS = 10
#: Standard deviation of the prior on ``log T`` (centred on 0, i.e. the network's own softmax): a priori ``T`` lies
#: within a factor ``e`` of 1 at two standard deviations. Its weight falls as one over the held-out cells, so a few
#: hundred of them decide ``T`` alone; with a few dozen, or when every held-out cell is right (the plain likelihood
#: then keeps rising as ``T -> 0``), it keeps ``T`` near 1. Without it 12 of 55 validation fits ended at the search's
#: bounds (0.05 or 20) and the calibrated probabilities were worse on reference cells outside the fit (tuning.md,
#: round 41).
TEMPERATURE_PRIOR_SD = 0.5


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _softmax_at(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(logits / temperature)`` in float64."""
    return np.exp(_log_softmax(np.asarray(logits, dtype=np.float64) / temperature))


#: How far a row of probabilities may sum from 1 (float16 or float32 rounding) before it is refused as not
#: probabilities.
ROW_SUM_TOLERANCE = 1e-3


def _probabilities(prob, what: str = "prob") -> np.ndarray:
    """``prob`` as ``(n, k)`` float64, refused in one line unless each row is probabilities (in [0, 1], summing to 1):
    the ECE of logits or of unnormalised scores is a number that means nothing."""
    prob = np.asarray(prob, dtype=np.float64)
    if prob.ndim == 1 and not len(prob):  # no cells: [] as it comes
        prob = prob.reshape(0, 0)
    if prob.ndim != 2:
        raise ValueError(f"{what} has shape {prob.shape}: expected (n_cells, n_types) probabilities")
    if not np.isfinite(prob).all():
        raise ValueError(f"{what} holds {int((~np.isfinite(prob)).sum())} NaN or infinite values: expected "
                         "probabilities; leave those cells out")
    if len(prob) and prob.shape[1] and (prob.min() < 0 or prob.max() > 1 + ROW_SUM_TOLERANCE or np.abs(
            prob.sum(axis=1) - 1).max() > ROW_SUM_TOLERANCE):
        sums = prob.sum(axis=1)
        raise ValueError(f"{what} is not probabilities (values from {prob.min():.3g} to {prob.max():.3g}, row sums "
                         f"from {sums.min():.3g} to {sums.max():.3g}): expected rows in [0, 1] summing to 1; pass "
                         "softmax(logits) (jae.model.readout.softmax), not the logits")
    return prob


def _codes(codes, n: int, n_types: int, what: str = "codes") -> np.ndarray:
    """``codes`` as ``(n,)`` int64 label positions in ``range(n_types)``, refused in one line otherwise (a code of -1,
    jae's mark of an unlabelled cell, would index the last type)."""
    arr = np.asarray(codes)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"{what} has shape {arr.shape}: expected one label code per cell, ({n},)")
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all():
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{what} holds {arr.dtype} values: expected integer label codes (positions in the cell "
                         "types), e.g. pandas.Categorical(labels, categories=types).codes")
    bad = (arr < 0) | (arr >= n_types)
    if bad.any():
        raise ValueError(f"{what} holds {int(bad.sum())} codes outside 0..{n_types - 1} (e.g. {arr[bad][0]}): each "
                         f"must be the position of a cell's type among the {n_types} types; leave unlabelled cells "
                         "(code -1) and types not scored out")
    return arr.astype(np.int64, copy=False)


def _bins(n_bins) -> int:
    from .._flags import is_whole

    if not is_whole(n_bins, 1):
        raise ValueError(f"n_bins must be a whole number of at least 1, not {n_bins!r}")
    return int(n_bins)


def expected_calibration_error(prob: np.ndarray, codes: np.ndarray, *, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error of ``(n, k)`` probabilities against int labels ``codes`` ``(n,)``.

    The cells are binned by their top probability into ``n_bins`` equal-width bins; the ECE is the cell-weighted mean
    over bins of ``|accuracy - mean confidence|``. 0 for no cells. Refused in one line: ``prob`` that are not
    probabilities (rows in [0, 1] summing to 1, e.g. logits), codes outside ``range(k)`` or not one per row.
    """
    n_bins = _bins(n_bins)
    prob = _probabilities(prob)
    codes = _codes(codes, len(prob), prob.shape[1])
    if not len(prob):
        return 0.0
    conf, pred = prob.max(axis=1), prob.argmax(axis=1)
    right = (pred == codes).astype(np.float64)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        inside = bins == b
        total += inside.sum() * abs(right[inside].mean() - conf[inside].mean())
    return float(total / len(prob))


#: Bins of at most this many cells get the exact floor (the Poisson-binomial distribution of their right answers,
#: quadratic in the bin's cells); larger bins the normal approximation, which agrees with it to 4 decimals from a few
#: hundred cells on.
FLOOR_EXACT_CELLS = 2000


def calibration_error_floor(prob: np.ndarray, *, n_bins: int = ECE_BINS) -> float:
    """The expected calibration error that perfectly calibrated ``(n, k)`` probabilities would score against labels
    drawn from themselves: the bias of :func:`expected_calibration_error`'s estimate on this many cells.

    Each cell is right with probability its confidence (the top probability), independently; in a bin of cells with
    confidences ``c_i`` the number right is then Poisson-binomial with mean ``sum(c_i)``, and the bin adds
    ``E|right - sum(c_i)| / n``: computed exactly for bins of up to :data:`FLOOR_EXACT_CELLS` cells, as
    ``sqrt(2 / pi) * sqrt(sum(c_i (1 - c_i))) / n`` (the normal approximation) above. Deterministic. On 850 cells
    with confidences of 0.5-1 it is about 0.02 (SNARE-seq's query batch: 0.024-0.026, benchmarks/results/
    mapping_labels.md, session 18), so a measured ECE there says little below that; it falls as one over the square
    root of the cells. 0 for no cells, or when every confidence is 0 or 1. ``prob`` that are not probabilities are
    refused, as by :func:`expected_calibration_error`.
    """
    n_bins = _bins(n_bins)
    prob = _probabilities(prob)
    if not len(prob):
        return 0.0
    conf = prob.max(axis=1)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        c = conf[bins == b]
        if len(c) > FLOOR_EXACT_CELLS:
            total += np.sqrt(2.0 / np.pi) * np.sqrt(float((c * (1.0 - c)).sum()))
            continue
        dist = np.zeros(len(c) + 1)  # P(k right) after each cell
        dist[0] = 1.0
        for i, ci in enumerate(c, start=1):
            dist[1 : i + 1] = dist[1 : i + 1] * (1.0 - ci) + dist[:i] * ci
            dist[0] *= 1.0 - ci
        total += float((dist * np.abs(np.arange(len(c) + 1) - c.sum())).sum())
    return float(total / len(prob))


def fit_temperature(
    logits: np.ndarray, codes: np.ndarray, vote: np.ndarray | None = None, *, prior_sd: float = TEMPERATURE_PRIOR_SD
) -> float:
    """The temperature ``T > 0`` minimising the mean negative log-likelihood at ``codes`` of ``softmax(logits / T)``,
    or, with ``vote`` (``(n, k)`` reference-neighbour vote shares, :mod:`jae.model.voters`), of the label-transfer
    mixture ``mixture(softmax(logits / T), vote)``: the temperature that makes the final probabilities fit best,
    plus ``(log T)**2 / (2 * prior_sd**2 * n)`` for ``n`` cells (the maximum a posteriori ``T`` under a log-normal
    prior centred on 1; ``prior_sd=inf``: plain maximum likelihood).

    Searched on ``log T`` in ``[-3, 3]`` (a bounded scalar minimisation, deterministic); 1.0 for fewer than 2 cells.
    Refused in one line: logits that are not ``(n, k)`` or hold NaN or ``+inf`` (``-inf``: a type ruled out), codes
    outside ``range(k)`` (-1, an unlabelled cell, would be read as the last type) or not one per row, ``vote`` of
    another shape, ``prior_sd`` not above 0.
    """
    from scipy.optimize import minimize_scalar

    from .voters import mixture

    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"logits has shape {logits.shape}: expected (n_cells, n_types)")
    if np.isnan(logits).any() or np.isposinf(logits).any() or (len(logits) and np.isneginf(logits).all(axis=1).any()):
        raise ValueError("logits holds NaN or +inf values, or a row of -inf only: no probabilities to fit a "
                         "temperature to; leave those cells out")
    codes = _codes(codes, len(logits), logits.shape[1])
    if vote is not None and np.shape(vote) != logits.shape:
        raise ValueError(f"vote has shape {np.shape(vote)}, logits {logits.shape}: expected one vote share per cell "
                         "and type")
    if not prior_sd > 0:
        raise ValueError(f"prior_sd must be above 0 (inf: no prior), not {prior_sd!r}")
    if len(codes) < 2:
        return 1.0
    rows = np.arange(len(codes))

    prior = 0.0 if not np.isfinite(prior_sd) else 1.0 / (2.0 * prior_sd**2 * len(codes))

    def nll(log_t: float) -> float:
        if vote is None:
            fit = -_log_softmax(logits / np.exp(log_t))[rows, codes].mean()
        else:
            p = mixture(np.exp(_log_softmax(logits / np.exp(log_t))), vote)[rows, codes]
            fit = -np.log(np.clip(p.astype(np.float64), 1e-12, None)).mean()
        return float(fit + prior * log_t**2)

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))
