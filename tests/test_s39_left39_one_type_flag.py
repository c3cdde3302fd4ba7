"""Session 39 (leftover): jae.evaluate said 'every scored cell has the cell type ...' once per run by hiding the
same warning of jae.metrics.evaluate_embedding with a logging filter matching the start of its text: a reworded
message would have been said once per embedding again, and the filter sat on the metrics' logger for the whole run
(hiding that text from any caller). evaluate_embedding now takes warn_one_type=False, which jae.evaluate passes when
it has said it; no filter. Same behaviour (tests/test_s38_report2_one_type_warning.py unchanged)."""

from __future__ import annotations

import logging

import numpy as np

import jae
import jae.metrics
from jae.metrics import evaluate_embedding


def _said(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and "every scored cell has the cell type" in
            r.getMessage()]


def test_evaluate_embedding_is_told_not_to_warn_and_no_filter_is_set(caplog, monkeypatch):
    mdata = jae.datasets.simulate(200, seed=0)
    mdata.obs["cell_type"] = "T"
    rng = np.random.default_rng(0)
    embs = {"a": rng.normal(size=(200, 5)), "b": rng.normal(size=(200, 5))}
    seen = []

    def recording(*args, **kwargs):
        seen.append((kwargs.get("warn_one_type"), list(logging.getLogger("jae.metrics.suite").filters)))
        return evaluate_embedding(*args, **kwargs)

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", recording)
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(mdata, embs, progress_bar=False)
    assert seen == [(False, []), (False, [])]
    assert len(_said(caplog)) == 1


def test_warn_one_type_false_silences_it_and_keeps_the_scores(caplog):
    rng = np.random.default_rng(1)
    E, types, batch = rng.normal(size=(120, 4)), np.array(["T"] * 120), np.repeat(["b1", "b2"], 60)
    with caplog.at_level(logging.WARNING, logger="jae"):
        quiet = evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False, warn_one_type=False)
    assert _said(caplog) == []
    with caplog.at_level(logging.WARNING, logger="jae"):
        loud = evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False)
    assert len(_said(caplog)) == 1
    assert quiet.equals(loud)
