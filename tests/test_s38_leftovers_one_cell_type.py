"""Session 38: evaluate_embedding (and jae evaluate) on cells of a single cell type reported overall 1.0 from
graph_conn alone (nmi and asw_label n/a), with nothing but an INFO line; it now warns that the label metrics are
undefined with one type and that overall does not measure how cell types are kept apart. The numbers are unchanged."""

from __future__ import annotations

import logging

import numpy as np

from jae.metrics import evaluate_embedding

WARNED = "every scored cell has the cell type 'T', so nmi and asw_label are undefined"


def _score(cell_type, caplog):
    E = np.random.default_rng(0).normal(size=(60, 6))
    with caplog.at_level(logging.WARNING, logger="jae.metrics.suite"):
        out = evaluate_embedding(E, cell_type=cell_type, progress_bar=False, diagnostics=False)
    return out, [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_single_cell_type_warns_that_overall_is_not_a_label_score(caplog):
    out, warned = _score(np.array(["T"] * 60), caplog)
    said = [w for w in warned if WARNED in w]
    assert len(said) == 1 and "overall 1.0000 (the mean of graph_conn) does not measure" in said[0]
    assert out["overall"] == out["graph_conn"] == 1.0 and np.isnan(out["nmi"]) and np.isnan(out["asw_label"])


def test_two_cell_types_do_not_warn(caplog):
    out, warned = _score(np.array(["T", "B"] * 30), caplog)
    assert not [w for w in warned if "every scored cell has the cell type" in w]
    assert np.isfinite(out["nmi"])
