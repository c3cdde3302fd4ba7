"""A reference of many tiny cell types (more types than half the voting cells) made every fit and predict_cell_type
show scikit-learn's 'The number of unique classes is greater than 50% of the number of samples. `y` could represent a
regression problem' UserWarning, which names nothing jae has. The fit now says it once in jae's words (most types have
one or two voting cells: too few to learn; merge rare types or label more cells) and scikit-learn's warning is not
shown; the classifier's coefficients are those of the same fit."""

from __future__ import annotations

import logging
import warnings

import numpy as np


def _tiny():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 4)), np.arange(60) % 40  # 40 types on 60 cells


def test_linear_classifier_shows_no_sklearn_warning_and_keeps_its_numbers():
    from sklearn.linear_model import LogisticRegression

    from jae.model.linear import C, MAX_ITER, LinearClassifier

    X, codes = _tiny()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = LinearClassifier.fit(X, codes, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr = LogisticRegression(C=C, max_iter=MAX_ITER).fit(X, codes)
    np.testing.assert_array_equal(fitted.coef, lr.coef_)
    np.testing.assert_array_equal(fitted.intercept, lr.intercept_)


def test_fit_says_it_in_jae_words(caplog):
    from jae import JAE, JAEConfig
    from jae.datasets import simulate

    ref = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    ref.obs["cell_type"] = [f"t{i % 70}" for i in range(120)]
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="jae"):
        warnings.filterwarnings("error", "The number of unique classes", UserWarning)
        JAE(JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    said = [r.getMessage() for r in caplog.records if "voting reference cells hold" in r.getMessage()]
    assert len(said) == 1 and "68 cell types" in said[0] and "merge rare types" in said[0]
