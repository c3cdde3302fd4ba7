"""Session 34: jae.model.linear.LinearClassifier.fit refuses label codes it would read as another type."""

from __future__ import annotations

import numpy as np
import pytest

from jae.model.linear import LinearClassifier


def _cells(seed=0):
    rng = np.random.default_rng(seed)
    codes = np.repeat([0, 1, 2], 10)
    return rng.normal(size=(30, 4)) + 4.0 * codes[:, None], codes


def test_a_fit_on_labelled_cells_is_unchanged():
    X, codes = _cells()
    fitted = LinearClassifier.fit(X, codes, 4)
    assert fitted.known.tolist() == [True, True, True, False]
    assert (fitted.logits(X)[:, :3].argmax(1) == codes).mean() > 0.8


def test_unlabelled_cells_coded_minus_one_are_refused_not_fitted_as_the_last_type():
    X, codes = _cells()
    codes = codes.copy()
    codes[codes == 2] = -1  # jae's code of an unlabelled cell
    with pytest.raises(ValueError, match=r"codes holds 10 codes outside 0..2 \(e.g. -1\)"):
        LinearClassifier.fit(X, codes, 3)


def test_codes_past_the_types_or_not_one_per_row_are_refused_in_one_line():
    X, codes = _cells()
    with pytest.raises(ValueError, match=r"codes holds 10 codes outside 0..1 \(e.g. 2\)"):
        LinearClassifier.fit(X, codes, 2)
    with pytest.raises(ValueError, match=r"codes has shape \(29,\): expected one label code per cell, \(30,\)"):
        LinearClassifier.fit(X, codes[:-1], 3)


def test_no_cells_is_refused_not_nan_probabilities():
    X, codes = _cells()
    with pytest.raises(ValueError, match="X has no rows: no labelled cells"):
        LinearClassifier.fit(X[:0], codes[:0], 3)
