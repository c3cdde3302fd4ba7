"""Counts that are not whole numbers yet not normalised (ambient-corrected counts such as SoupX's, counts x 1.37) were
refused as 'looks normalised' with only 'pass layer=... naming where they are', which data keeping no raw-count layer
cannot follow. The refusal now also says what jae takes then (whole counts: round them, with the line to do it), and
following it is accepted. The acceptance rule itself is unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jae.io.validate import validate_counts


def _counts(seed=0):
    rng = np.random.default_rng(seed)
    return sp.csr_matrix(rng.poisson(1.0, size=(60, 30)).astype(np.float32) + np.eye(60, 30, dtype=np.float32))


def test_scaled_counts_refusal_says_to_round_when_no_raw_counts_exist():
    M = _counts()
    M.data = M.data * np.float32(1.37)  # corrected / scaled counts, kept in .X alone
    with pytest.raises(ValueError, match=r"looks normalised; jae needs raw counts: pass layer=.*; if the data keeps no "
                                         r"raw counts .*SoupX.*round those counts, e\.g\. M\.data = numpy\.round\(M\.data\)"
                                         r".*never round normalised or log values"):
        validate_counts(M, name="modality 'rna' (X)")
    M.data = np.round(M.data)  # the line the message gives: accepted
    validate_counts(M, name="modality 'rna' (X)")


def test_nearly_whole_counts_keep_their_own_rounding_line():
    M = _counts()
    M.data = M.data + np.float32(1e-5)
    with pytest.raises(ValueError, match=r"counts stored with rounding error") as err:
        validate_counts(M, name="modality 'rna' (X)")
    assert "keeps no raw counts" not in str(err.value)
