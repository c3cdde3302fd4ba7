"""Peaks matched by their interval (``chr1:100-200`` for ``chr1-100-200``) were logged twice by ``jae.predict`` and
``jae predict``: once by the query's check before the training, once again when predicting. Now once; a fitted
predictor's ``predict`` still says it (session 48)."""

from __future__ import annotations

import logging

import jae
from test_s48_walk_predict_peak_separators import _atac_gex  # tests/ is on sys.path

SAID = "peaks matched by their interval"


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
