"""The axes-carry lines wrote the carry and its threshold with two decimals, so a real 1,500-cell PBMC10k reference
(carry 0.8965, threshold 0.90) was warned about by jae map as 'keep 0.90 of their variance ... below the 0.90 of
axes_carry_min' (s38 real-data walk). Now both are written with as many decimals as tell them apart; when the lines
fire is unchanged."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from jae._words import apart


def test_apart_adds_decimals_only_when_needed():
    assert apart(0.8965006, 0.9) == ("0.897", "0.900")
    assert apart(0.89996, 0.9) == ("0.89996", "0.90000")
    assert apart(0.86, 0.9) == ("0.86", "0.90")
    assert apart(0.9, 0.9) == ("0.90", "0.90")


@pytest.fixture(scope="module")
def setup(own_cite_model):
    from jae.datasets import simulate

    _, model = own_cite_model("s38_realwalk_carry_digits")
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    query.obs["batch"] = "q1"
    return model, query


def test_map_warning_tells_carry_and_threshold_apart(setup, caplog):
    model, query = setup
    kept = model.axes_carry
    try:
        model.axes_carry = 0.8965006461458629  # the 1,500-cell PBMC10k reference's
        with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
            model.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    finally:
        model.axes_carry = kept
    said = [r.getMessage() for r in caplog.records if r.name == "jae.mapping.train" and "axes_carry" in r.getMessage()]
    assert len(said) == 1, caplog.text
    assert "keep 0.897 of their variance" in said[0]
    assert "below the 0.900 of JAEConfig(axes_carry_min)" in said[0]


def test_fit_line_tells_carry_and_threshold_apart(caplog):
    from jae import JAEConfig
    from jae.model.readout import axes_carry, fit_principal_axes

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 12)).astype(np.float32)
    ref = np.r_[np.ones(80, bool), np.zeros(40, bool)]
    carry = axes_carry(X, 3, rows=ref, seed=0)
    config = replace(JAEConfig(), axes_carry_min=carry + 1e-5)  # above the carry, equal to it at two decimals
    assert f"{carry:.2f}" == f"{config.axes_carry_min:.2f}" and carry < config.axes_carry_min
    with caplog.at_level(logging.INFO, logger="jae.model.readout"):
        fit_principal_axes(X, 3, ref=ref, batch=np.zeros(120, int), config=config, seed=0)
    said = [r.getMessage() for r in caplog.records if "axes_carry_min" in r.getMessage()]
    assert len(said) == 1, caplog.text
    shown, bound = apart(carry, config.axes_carry_min)
    assert shown != bound
    assert f"keep {shown} of their variance" in said[0] and f"(below axes_carry_min {bound})" in said[0]
