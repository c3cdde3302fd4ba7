"""The linear half of label transfer (issue 12, session 18): a regularised multinomial logistic regression of the
reference voters' labels on their embedding's columns after the cell-type part.

Why it replaces the network's cell-type head beside the 15-NN vote (:mod:`jae.model.voters`): the head is trained
together with the reconstruction and stopped early on the combined validation loss, so on a reference of a few
hundred cells it stops before it fits the types (BMMC CITE validation splits, 41 types on about 270 cells: head +
vote 0.58); a linear classifier on the same columns, fitted to convergence under an L2 penalty, is the classical
choice there, and it makes different errors from the vote, which reads the same columns locally. Validation splits of
the reference cells, eleven shapes, seeds 0-4 (benchmarks/results/tuning.md, round 45): label transfer 0.847 -> 0.864
on average, higher on every set but PBMC10k (0.9935 -> 0.9929, at its ceiling).

It is refitted from the voters whenever labels are predicted, as the vote is, so it follows the network after
fine-tuning and the model file stores nothing new. The fit is deterministic (L-BFGS from zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LinearClassifier", "C"]

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
