"""Session 34: the calibration functions of jae.model.calibration refuse input they would score wrongly."""

from __future__ import annotations

import numpy as np
import pytest

from jae.model.calibration import calibration_error_floor, expected_calibration_error
from jae.model.readout import softmax


def _cells(n=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 2
    return logits, softmax(logits), rng.integers(0, k, n)


def test_ece_of_probabilities_is_unchanged_and_of_no_cells_is_zero():
    _, prob, codes = _cells()
    conf, right = prob.max(1).astype(np.float64), (prob.argmax(1) == codes).astype(np.float64)
    bins = np.minimum((conf * 10).astype(int), 9)
    expected = sum((bins == b).sum() * abs(right[bins == b].mean() - conf[bins == b].mean())
                   for b in np.unique(bins)) / len(conf)
    assert expected_calibration_error(prob, codes) == pytest.approx(expected, abs=1e-12)
    assert expected_calibration_error(prob, codes.astype(float)) == expected_calibration_error(prob, codes)
    assert expected_calibration_error([], []) == 0.0
    assert expected_calibration_error(np.zeros((0, 3)), np.zeros(0, int)) == 0.0


def test_ece_of_logits_is_refused_not_scored_above_one():
    logits, _, codes = _cells()
    with pytest.raises(ValueError, match=r"prob is not probabilities .*pass softmax\(logits\)"):
        expected_calibration_error(logits, codes)
    with pytest.raises(ValueError, match="not probabilities"):
        calibration_error_floor(logits)
    with pytest.raises(ValueError, match="not probabilities"):  # rows summing to 0.5
        expected_calibration_error(softmax(logits) / 2, codes)


def test_ece_with_codes_not_one_per_cell_is_refused_not_broadcast():
    _, prob, codes = _cells()
    with pytest.raises(ValueError, match=r"codes has shape \(1,\): expected one label code per cell, \(40,\)"):
        expected_calibration_error(prob, codes[:1])


def test_ece_with_unlabelled_or_out_of_range_codes_is_refused():
    _, prob, codes = _cells()
    for bad in (-1, 3):
        c = codes.copy()
        c[5] = bad
        with pytest.raises(ValueError, match=rf"1 codes outside 0..2 \(e.g. {bad}\)"):
            expected_calibration_error(prob, c)
    with pytest.raises(ValueError, match="expected integer label codes"):
        expected_calibration_error(prob, np.array(["a"] * 40))


def test_ece_of_nan_probabilities_or_no_bins_is_refused():
    _, prob, codes = _cells()
    prob = prob.copy()
    prob[0, 0] = np.nan
    with pytest.raises(ValueError, match="prob holds 1 NaN or infinite values"):
        expected_calibration_error(prob, codes)
    with pytest.raises(ValueError, match="prob holds 1 NaN"):
        calibration_error_floor(prob)
    _, prob, codes = _cells()
    for bins in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="n_bins must be a whole number of at least 1"):
            expected_calibration_error(prob, codes, n_bins=bins)
        with pytest.raises(ValueError, match="n_bins must be a whole number"):
            calibration_error_floor(prob, n_bins=bins)
    with pytest.raises(ValueError, match=r"prob has shape \(40,\)"):
        expected_calibration_error(prob[:, 0], codes)


def test_temperature_on_valid_cells_is_unchanged_and_one_cell_gives_one():
    from jae.model.calibration import fit_temperature

    logits, _, codes = _cells()
    t = fit_temperature(logits, codes)
    assert 0.05 < t < 20 and fit_temperature(logits, codes.astype(np.int8)) == t
    assert fit_temperature(logits[:1], codes[:1]) == 1.0


def test_temperature_with_an_unlabelled_cell_is_refused_not_read_as_the_last_type():
    from jae.model.calibration import fit_temperature

    logits, _, codes = _cells()
    codes = codes.copy()
    codes[0] = -1
    with pytest.raises(ValueError, match=r"codes holds 1 codes outside 0..2 \(e.g. -1\)"):
        fit_temperature(logits, codes)


def test_temperature_with_fewer_codes_than_cells_is_refused_not_fitted_on_the_first_cells():
    from jae.model.calibration import fit_temperature

    logits, _, codes = _cells()
    with pytest.raises(ValueError, match=r"codes has shape \(5,\): expected one label code per cell, \(40,\)"):
        fit_temperature(logits, codes[:5])
    with pytest.raises(ValueError, match=r"vote has shape \(40, 2\), logits \(40, 3\)"):
        fit_temperature(logits, codes, np.full((40, 2), 0.5))


def test_temperature_of_nan_logits_or_no_prior_is_refused_not_a_bound_of_the_search():
    from jae.model.calibration import fit_temperature

    logits, _, codes = _cells()
    bad = logits.copy()
    bad[:, 0] = np.nan
    with pytest.raises(ValueError, match="logits holds NaN or \\+inf values"):
        fit_temperature(bad, codes)
    with pytest.raises(ValueError, match="prior_sd must be above 0"):
        fit_temperature(logits, codes, prior_sd=0.0)
    ruled_out = logits.copy()
    ruled_out[:, 2] = -np.inf  # a type ruled out for every cell: still fitted
    assert np.isfinite(fit_temperature(ruled_out, np.minimum(codes, 1)))


def _calibration(n_types=3):
    from jae.model.calibration import LabelCalibration

    rng = np.random.default_rng(1)
    logits, codes = rng.normal(size=(30, n_types)) * 2, np.arange(30) % n_types
    rest = rng.normal(size=(30, 4))
    return LabelCalibration.fit(heldout_logits=logits, heldout_codes=codes, heldout_rest=rest, train_rest=rest,
                                train_codes=codes, n_types=n_types)


def test_calibrated_probabilities_of_the_type_logits_are_unchanged():
    cal = _calibration()
    logits = np.random.default_rng(2).normal(size=(5, 3))
    z = logits / cal.temperature
    expected = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(cal.probabilities(logits), expected / expected.sum(1, keepdims=True), rtol=1e-6)
    assert cal.rescale(softmax(logits)).shape == (5, 3)


def test_calibrated_probabilities_of_the_whole_latent_are_refused_not_a_softmax_over_every_unit():
    cal = _calibration()
    latent = np.random.default_rng(2).normal(size=(5, 3 + 1 + 2 + 5))  # cell types | batch | phase | free
    with pytest.raises(ValueError, match=r"logits has shape \(5, 11\): expected one column per cell type, "
                                         r"\(n_cells, 3\); pass the latent's cell-type block"):
        cal.probabilities(latent)
    with pytest.raises(ValueError, match=r"logits has shape \(5, 11\)"):
        cal.linear_probabilities(latent)
    with pytest.raises(ValueError, match=r"prob has shape \(5, 2\): .*pass one probability per cell type"):
        cal.rescale(softmax(latent[:, :2]))


def test_unknown_scores_of_the_whole_embedding_are_refused_naming_the_columns_after_the_type_part():
    cal = _calibration()
    rest = np.random.default_rng(3).normal(size=(6, 4))
    assert cal.centroid_score(rest).shape == (6,) and np.isfinite(cal.relative_distance(rest)).all()
    embedding = np.hstack([np.full((6, 3), 0.1), rest])
    for call in (cal.relative_distance, cal.centroid_score, lambda e: cal.unknown_score(None, e)):
        with pytest.raises(ValueError, match=r"rest has shape \(6, 7\): expected the embedding's columns after the "
                                             r"cell-type part, \(n_cells, 4\)"):
            call(embedding)


def test_head_score_takes_observed_as_a_list_and_refuses_another_shape():
    from dataclasses import replace

    cal = replace(_calibration(), head_threshold=0.5, head_threshold_rna_alone=0.3)
    conf = np.array([0.6, 0.6, 0.2])
    observed = [[True, True], [True, False], [True, False]]
    np.testing.assert_allclose(cal.head_score(conf, observed), [0.8, 0.4 / 0.7, 0.8 / 0.7])
    np.testing.assert_array_equal(cal.head_score(conf, np.array(observed)), cal.head_score(conf, observed))
    with pytest.raises(ValueError, match=r"observed has shape \(3,\): expected whether each of the 3 cells has each "
                                         r"modality, \(3, 2\)"):
        cal.head_score(conf, np.array([True, True, False]))
