"""An ATAC training target whose .X held normalised values (TF-IDF: neither binarised nor counts) was logged as
'.X holds raw counts; building the ATAC target from counts', a false account of the user's data; the log now says
what .X holds and what is binarised. The target built is the same as before."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from jae.prediction.targets import binarize, target_matrix

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


def _tfidf(counts):
    X = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    X.data = X.data * 0.37 + 0.01  # non-integer, non-binary, same zero pattern
    return X


def test_a_normalised_atac_x_is_not_called_raw_counts(caplog):
    counts = paired(40, seed=0, target="ATAC")[1].layers["counts"]
    for given in (counts, None):  # built from layers['counts'], or from .X itself
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="jae.prediction.targets"):
            Y = target_matrix(_tfidf(counts), given, "ATAC", name="train_target")
        assert "holds raw counts" not in caplog.text
        where = ".X" if given is None else "layers['counts']"
        assert (".X holds neither binarised ATAC values nor raw counts (normalised, e.g. TF-IDF); building the ATAC "
                f"target by binarising {where}") in caplog.text
        assert (Y != binarize(counts)).nnz == 0  # the same target as before


def test_atac_counts_in_x_are_still_called_counts(caplog):
    counts = paired(40, seed=0, target="ATAC")[1].layers["counts"]
    assert counts.max() > 1
    with caplog.at_level(logging.INFO, logger="jae.prediction.targets"):
        target_matrix(counts, None, "ATAC", name="train_target")
    assert ".X holds raw counts; building the ATAC target from counts" in caplog.text
