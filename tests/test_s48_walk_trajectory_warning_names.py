"""The competition's two reference pseudotimes (pseudotime_order_GEX and _ADT) gave two warnings in the same words,
'trajectory conservation: root type 'HSC' not in the largest component ...', naming neither (session 48's walk of
jae evaluate on the BMMC CITE starter): each warning now names its pseudotime column. One pseudotime given alone
keeps the plain words."""

from __future__ import annotations

import logging

import numpy as np

from jae import metrics


def _split_line(n: int = 60):
    """Two far-apart groups of cells; the earliest type sits in the smaller, so the root is cut off."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(20, 4)), rng.normal(size=(n - 20, 4)) + 100.0])
    types = np.array(["early"] * 20 + ["late"] * (n - 20))
    t = np.concatenate([np.linspace(0, 0.2, 20), np.linspace(0.3, 1.0, n - 20)])
    return X, types, t


def test_each_pseudotime_is_named_in_its_warning(caplog):
    X, types, t = _split_line()
    with caplog.at_level(logging.WARNING, logger="jae.metrics.trajectory"):
        score = metrics.ti_cons(X, types, {"pseudotime_order_GEX": t, "pseudotime_order_ADT": t.copy()})
    assert score == 0.0
    texts = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("trajectory conservation of 'pseudotime_order_GEX': root type 'early' not in the largest "
                            "component") for m in texts), texts
    assert any(m.startswith("trajectory conservation of 'pseudotime_order_ADT': ") for m in texts), texts
    assert len(set(texts)) == len(texts), texts


def test_one_pseudotime_alone_keeps_the_plain_words(caplog):
    X, types, t = _split_line()
    with caplog.at_level(logging.WARNING, logger="jae.metrics.trajectory"):
        metrics.trajectory_conservation(X, types, t)
    assert caplog.records[-1].getMessage().startswith("trajectory conservation: root type 'early'")
