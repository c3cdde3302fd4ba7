"""jae.evaluate warns when the RNA .X it reads for cc_cons holds scaled values (sc.pp.scale), not log-normalised
expression (s36)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.datasets import simulate
from jae.preprocess import log_normalize


@pytest.fixture(scope="module")
def adatas():
    mdata = simulate(150, n_genes=220, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    rna = mdata["rna"].copy()
    rna.obs = mdata.obs.copy()
    rna.uns["organism"] = "human"
    rna.X = sp.csr_matrix(log_normalize(rna.layers["counts"]))  # as jae makes it from the counts
    lognorm = rna.X.toarray()
    rna.obsm["X_z"] = np.random.default_rng(0).normal(size=(rna.n_obs, 4))
    scaled = rna.copy()
    sd = lognorm.std(axis=0)
    scaled.X = (lognorm - lognorm.mean(axis=0)) / np.where(sd > 0, sd, 1)  # what sc.pp.scale leaves in .X
    return rna, scaled


def test_a_scaled_x_is_named_in_a_warning(adatas, caplog):
    # scanpy's usual AnnData after sc.pp.scale: cc_cons's cell-cycle scores and GEX variance share were measured on
    # z-scores without a word (cc_before 0.047 instead of 0.063 on a simulated set), not on log-normalised values
    rna, scaled = adatas
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(scaled, ["X_z"], progress_bar=False)
    lines = [r.getMessage() for r in caplog.records if "negative values" in r.getMessage()]
    assert lines == [
        "cc_cons: the AnnData's .X holds negative values (scaled data, as sc.pp.scale leaves), not log-normalised "
        "expression: the cell-cycle scores and their GEX variance share are measured on it as it is, unlike the "
        "competition's log-normalised GEX; to score cc_cons as the competition did, store the log-normalised values "
        "(or the raw counts) in .X"]


def test_log_normalised_values_score_as_before_without_it(adatas, caplog):
    rna, scaled = adatas
    with caplog.at_level(logging.WARNING, logger="jae"):
        table = jae.evaluate(rna, ["X_z"], progress_bar=False)
    assert not [r for r in caplog.records if "negative values" in r.getMessage()]
    counts = rna.copy()
    counts.X = rna.layers["counts"]  # the fix the warning names: the raw counts, log-normalised by jae
    assert jae.evaluate(counts, ["X_z"], progress_bar=False).equals(table)
