"""The linear half of label transfer (issue 12, session 18): a regularised multinomial logistic regression of the
reference voters' labels on their embedding's columns after the cell-type part.

Why it replaces the network's cell-type head beside the 15-NN vote (:mod:`jae.model.voters`): the head is trained
together with the reconstruction and stopped early on the combined validation loss, so on a reference of a few
hundred cells it stops before it fits the types (BMMC CITE validation splits, 41 types on about 270 cells: head +
vote 0.58); a linear classifier on the same columns, fitted to convergence under an L2 penalty, is the classical
choice there, and it makes different errors from the vote, which reads the same columns locally. Validation splits of
the reference cells, eleven shapes, seeds 0-4 (benchmarks/results/tuning.md, round 45): label transfer 0.847 -> 0.864
on average, higher on every set but PBMC10k (0.9935 -> 0.9929, at its ceiling).

It is fitted on the voters' embedding as the network makes it now, as the vote reads it, so it follows the network after
fine-tuning. The fit is deterministic (L-BFGS from zero) and takes 0.4-8 s on 18,000 voters (1-2 busy cores;
benchmarks/results/label_cache.md), so it is kept (:class:`KeptLinear`, session 47): ``JAE.voter_linear`` holds the
fitted classifier with :func:`fit_digest`, a hash of exactly what :meth:`LinearClassifier.fit` received, and
:func:`kept_fit` reuses it while the voters' embedding hashes the same (the same coefficients a refit gives, without the
fit) and refits otherwise (after ``finetune``). The model folder keeps it too (:mod:`jae.checkpoint.joint`:
``voter_linear`` in model.json, ``voter_linear.*`` tensors); files without it refit at their first labels.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["LinearClassifier", "KeptLinear", "C", "fit_digest", "kept_fit", "tensors_digest"]

logger = logging.getLogger(__name__)

#: Inverse L2 strength of the logistic regression (scikit-learn's ``C``), the value the RNA-only benchmark used
#: (benchmarks/mapping.py); not tuned.
C = 0.1
#: L-BFGS iterations at most.
MAX_ITER = 2000


@dataclass(frozen=True)
class LinearClassifier:
    """``coef`` ``(n_types, d)`` and ``intercept`` ``(n_types,)`` float64; ``known`` ``(n_types,)`` bool, the types
    the voters hold (the others get no probability)."""

    coef: np.ndarray
    intercept: np.ndarray
    known: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray, codes: np.ndarray, n_types: int) -> "LinearClassifier":
        """Fit on the rows ``X`` ``(n, d)`` labelled ``codes`` (ints in ``range(n_types)``; refused in one line
        otherwise, as are no rows, which would leave every type without probability)."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        from .temperature import _codes

        if np.ndim(X) != 2:
            raise ValueError(f"X has shape {np.shape(X)}: expected (n_cells, n_columns)")
        if not len(X):
            raise ValueError("X has no rows: no labelled cells to fit the classifier on")
        codes = _codes(codes, len(X), n_types)
        present = np.unique(codes)
        known = np.zeros(n_types, dtype=bool)
        known[present] = True
        coef, intercept = np.zeros((n_types, X.shape[1])), np.zeros(n_types)
        if len(present) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                # types of one or two voting cells: said in jae's words at the fit (jae.model.voters.unvoted)
                warnings.filterwarnings("ignore", "The number of unique classes is greater than 50%", UserWarning)
                lr = LogisticRegression(C=C, max_iter=MAX_ITER).fit(np.asarray(X, np.float64), codes)
            if len(present) == 2:  # scikit-learn keeps one row for two classes: the first class's logit is 0
                coef[present[1]], intercept[present[1]] = lr.coef_[0], lr.intercept_[0]
            else:
                coef[present], intercept[present] = lr.coef_, lr.intercept_
        return cls(coef=coef, intercept=intercept, known=known)

    def logits(self, X: np.ndarray) -> np.ndarray:
        """``(n, n_types)`` float64 logits; ``-inf`` for types the voters do not hold."""
        out = np.asarray(X, np.float64) @ self.coef.T + self.intercept
        out[:, ~self.known] = -np.inf
        return out


def fit_digest(X: np.ndarray, codes: np.ndarray, n_types: int) -> str:
    """Hex blake2b digest of a :meth:`LinearClassifier.fit` call: the bytes, shape and dtype of ``X`` and ``codes``,
    ``n_types``, and the fit's own settings (:data:`C`, :data:`MAX_ITER`). Equal digests: the same fit."""
    X, codes = np.ascontiguousarray(X), np.ascontiguousarray(codes)
    h = hashlib.blake2b(digest_size=32)
    h.update(f"jae.model.linear C={C!r} max_iter={MAX_ITER} n_types={int(n_types)} X {X.dtype.str} {X.shape} "
             f"codes {codes.dtype.str} {codes.shape};".encode())
    h.update(memoryview(X).cast("B"))
    h.update(memoryview(codes).cast("B"))
    return h.hexdigest()


def tensors_digest(digest: str, classifier: LinearClassifier) -> str:
    """Hex blake2b digest of a kept classifier's arrays (dtype, shape, bytes) with the ``digest`` of its fit: the
    model folder stores it beside them, so coefficients edited or mixed from another file are told on load."""
    h = hashlib.blake2b(digest.encode(), digest_size=32)
    for a in (classifier.coef, classifier.intercept, classifier.known):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str} {a.shape};".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


@dataclass(frozen=True)
class KeptLinear:
    """A fitted :class:`LinearClassifier` and the :func:`fit_digest` of the call that fitted it."""

    digest: str
    classifier: LinearClassifier

    def serves(self, digest: str, n_types: int, n_columns: int) -> bool:
        """Whether it is the fit whose digest is ``digest``, of that many types on that many columns."""
        c = self.classifier
        return (self.digest == digest and c.coef.shape == (n_types, n_columns) and c.intercept.shape == (n_types,)
                and c.known.shape == (n_types,))


def kept_fit(kept: KeptLinear | None, X: np.ndarray, codes: np.ndarray, n_types: int) -> KeptLinear:
    """``kept`` when it is the fit of ``(X, codes, n_types)`` (its :func:`fit_digest`), else a new fit of them: the
    same classifier as :meth:`LinearClassifier.fit`, fitted only when the voters' embedding changed."""
    digest = fit_digest(X, codes, n_types)
    if kept is not None and kept.serves(digest, n_types, np.shape(X)[1]):
        logger.debug("the voters' linear classifier: kept (%d voters, embedding unchanged)", len(X))
        return kept
    start = time.perf_counter()
    fitted = KeptLinear(digest, LinearClassifier.fit(X, codes, n_types))
    logger.debug("the voters' linear classifier: fitted on %d voters in %.1f s%s", len(X),
                 time.perf_counter() - start, "" if kept is None else " (their embedding changed)")
    return fitted
