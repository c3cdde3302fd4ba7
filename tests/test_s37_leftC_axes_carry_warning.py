"""map_query's warning about a reference whose principal axes do not carry (s37 audit): it said 'this reference has
few cells for its input's width' while what it measures is the axes' carry (model.axes_carry below
JAEConfig(axes_carry_min)), which 1,500-cell REAP-seq and 2,000-cell simulated references fall below, and the README
said it fires on 'a reference of a few hundred cells'. Now the warning names the measure and the threshold, and the
README says it fires by that measure. When it fires is unchanged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def setup(own_cite_model):
    from jae.datasets import simulate

    _, model = own_cite_model("s37_leftC_axes_carry")
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    query.obs["batch"] = "q1"
    return model, query


def _said(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "jae.mapping.train" and "axes_carry" in r.getMessage()]


def test_the_warning_names_what_it_measures(setup, caplog):
    model, query = setup
    kept = model.axes_carry
    try:
        model.axes_carry = 0.86  # what a 2,000-cell simulated reference measures
        with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
            model.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    finally:
        model.axes_carry = kept
    said = _said(caplog)
    assert len(said) == 1, caplog.text
    assert said[0].startswith("this reference's principal axes keep 0.86 of their variance on reference cells "
                              "outside their fit (model.axes_carry, below the 0.90 of JAEConfig(axes_carry_min))")
    assert "a few thousand" in said[0]


def test_at_the_threshold_it_is_silent(setup, caplog):
    model, query = setup
    kept = model.axes_carry
    try:
        model.axes_carry = model.config.axes_carry_min
        with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
            model.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    finally:
        model.axes_carry = kept
    assert _said(caplog) == [] and "squeezed" not in caplog.text


def test_the_readme_says_it_by_the_measure():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "On a reference of a few hundred cells the frozen principal axes" not in readme
    assert "`map_query` then logs a warning naming `model.axes_carry`" in readme
