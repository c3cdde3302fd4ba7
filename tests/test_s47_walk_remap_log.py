"""Session 47 walk: remap_peaks' log line when every model peak is covered and no data peak is dropped (peaks
shifted by a few bases, as SNARE-seq's and the BMMC starter's walked): it said "(100%; the other 0 left missing,
re-solved by jae) ... (0 overlapping none, dropped)"; now it leaves out the parts that count nothing."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

import jae

MODEL = ["chr1-100-200", "chr1-500-600", "chr2-100-200"]


def _atac(names) -> ad.AnnData:
    X = sp.csr_matrix(np.random.default_rng(0).poisson(2.0, (6, len(names))).astype(np.float32))
    a = ad.AnnData(X=X, var=pd.DataFrame(index=names))
    a.layers["counts"] = X.copy()
    return a


def _said(caplog) -> list[str]:
    said = [r.getMessage() for r in caplog.records if "peaks covered" in r.getMessage()]
    caplog.clear()
    return said


def test_every_peak_covered_and_none_dropped_says_no_zero_counts(caplog):
    with caplog.at_level(logging.INFO, logger="jae.io.peaks"):
        jae.remap_peaks(_atac(["chr1:115-215", "chr1:515-615", "chr2:115-215"]), pd.Index(MODEL))
        said = _said(caplog)
        assert len(said) == 1
        assert said[0].startswith("remap_peaks: 3 of the model's 3 peaks covered (100%), from 3 of the 3 peaks of "
                                  "the AnnData, keeping 100.0% of its counts"), said
        assert "the other 0" not in said[0] and "0 overlapping none" not in said[0]
        # one model peak uncovered and one data peak dropped: both still said
        jae.remap_peaks(_atac(["chr1:115-215", "chr1:515-615", "chr3:1-50"]), pd.Index(MODEL))
        said = _said(caplog)
        assert "2 of the model's 3 peaks covered (67%; the other 1 left missing, re-solved by jae), from 2 of the 3 " \
               "peaks of the AnnData (1 overlapping none, dropped)" in said[0], said
