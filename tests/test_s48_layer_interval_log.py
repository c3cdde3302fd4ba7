"""Peaks matched by their interval (``chr1:100-200`` for ``chr1-100-200``) were logged twice by ``jae.predict`` and
``jae predict``: once by the query's check before the training, once again when predicting. Now once; a fitted
predictor's ``predict`` still says it (session 48)."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

import jae

SAID = "peaks matched by their interval"


def _atac_gex(n: int, *, seed: int, prefix: str):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    peaks = [f"chr{1 + j % 3}-{1000 * j + 10}-{1000 * j + 510}" for j in range(30)]
    atac = rng.poisson(np.exp(0.5 * z @ np.random.default_rng(1).normal(size=(2, 30)) - 0.5)).astype(np.float32)
    gex = rng.poisson(np.exp(0.5 * z @ np.random.default_rng(2).normal(size=(2, 12)) + 1.0)).astype(np.float32)
    obs = pd.DataFrame(index=[f"{prefix}{i}" for i in range(n)])
    src = ad.AnnData(sp.csr_matrix(atac), obs=obs, var=pd.DataFrame({"feature_types": "ATAC"}, index=peaks))
    tgt = ad.AnnData(sp.csr_matrix(gex), obs=obs.copy(),
                     var=pd.DataFrame({"feature_types": "GEX"}, index=[f"G{j}" for j in range(12)]))
    return src, tgt


def _said(caplog) -> int:
    return sum(SAID in r.getMessage() for r in caplog.records)


def test_interval_match_is_logged_once(tmp_path, caplog):
    src, tgt = _atac_gex(80, seed=0, prefix="c")
    query, _ = _atac_gex(20, seed=3, prefix="q")
    query.var_names = [v.replace("-", ":", 1) for v in query.var_names]
    query.write_h5ad(tmp_path / "q.h5ad")
    src.write_h5ad(tmp_path / "src.h5ad")
    tgt.write_h5ad(tmp_path / "tgt.h5ad")
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.predict(src, tgt, query, method="ridge", progress_bar=False)
    assert _said(caplog) == 1, caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.predict(src, tgt, tmp_path / "q.h5ad", method="ridge", progress_bar=False)
    assert _said(caplog) == 1, caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):
        result = jae.predict_files(tmp_path / "src.h5ad", tmp_path / "tgt.h5ad", tmp_path / "q.h5ad",
                                   tmp_path / "p.h5ad", method="ridge", progress_bar=False)
    assert _said(caplog) == 1, caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):  # a fitted predictor alone: said when it predicts
        result.model.predict(query)
    assert _said(caplog) == 1, caplog.text
