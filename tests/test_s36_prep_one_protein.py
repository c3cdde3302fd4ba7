"""A panel of one protein normalised by each cell's own total (protein_norm 'log', or 'clr_depth', JAEConfig's
supervised default) is the same in every cell: the fit now says so in a warning naming protein_norm='clr'."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.preprocess import Preprocessor, preprocess


def _counts(seed: int = 0):
    rng = np.random.default_rng(seed)
    rna = sp.csr_matrix(rng.poisson(2.0, (80, 50)) + 1)
    prot = rng.poisson(20.0, (80, 1)) + 1
    return [rna, prot], ["GEX", "ADT"], [pd.Index([f"g{i}" for i in range(50)]), pd.Index(["CD3"])]


@pytest.mark.parametrize("norm", ["log", "clr_depth"])
def test_one_protein_normalised_by_its_total_is_constant_and_said(norm, caplog):
    counts, kinds, names = _counts()
    with caplog.at_level(logging.WARNING, logger="jae.preprocess.pipeline"):
        pre, X, _ = preprocess(counts, kinds, names, n_components=5, protein_norm=norm, names=["rna", "prot"])
    assert np.ptp(X[:, -1]) < 1e-5  # what the warning says
    assert "modality 'prot' has one protein" in caplog.text and "protein_norm='clr'" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae.preprocess.pipeline"):
        Preprocessor.fit(counts, kinds, names, n_components=5, protein_norm=norm)
    assert "has one protein" in caplog.text


def test_one_protein_under_clr_keeps_its_count_without_a_warning(caplog):
    counts, kinds, names = _counts()
    with caplog.at_level(logging.WARNING, logger="jae.preprocess.pipeline"):
        _, X, _ = preprocess(counts, kinds, names, n_components=5, protein_norm="clr")
        preprocess([counts[0], np.column_stack([counts[1], counts[1]])], kinds, [names[0], pd.Index(["a", "b"])],
                   n_components=5, protein_norm="log")
    assert np.ptp(X[:, -1]) > 1e-3
    assert "has one protein" not in caplog.text
