"""Session 37: every fit logged two INFO lines 'cell-cycle S genes: k of N present in var_names, M dropped' (one per
phase), and every evaluate logged them again, right above cc_cons's own warning when too few are there. A fit now says
it once, in one line; evaluate says it at DEBUG only (-v); its cc_cons warning is kept."""

from __future__ import annotations

import logging

import numpy as np

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate

MISSING = ["NASP", "CDCA7", "CDC20"]  # two S-phase markers, one G2/M-phase marker


def _cell_cycle_info(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.INFO and r.name.startswith("jae") and "cell-cycle" in r.getMessage()
            and " genes" in r.getMessage()]


def _data():
    m = simulate(300, kind="cite", n_genes=200, n_cell_types=4, n_batches=2, seed=1)
    keep = ~m["rna"].var_names.isin(MISSING)
    assert (~keep).sum() == len(MISSING)
    m.mod["rna"] = m["rna"][:, keep].copy()
    m.update()
    return m


def test_fit_says_the_missing_cell_cycle_genes_once_and_evaluate_not_at_info(caplog):
    m = _data()
    with caplog.at_level(logging.INFO, logger="jae"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=20), device="cpu").fit(m, progress_bar=False)
    said = _cell_cycle_info(caplog)
    assert said == ["cell-cycle (phase) scores use 41 of 43 S-phase and 53 of 54 G2/M-phase marker genes; the others "
                    "are not in the RNA's genes"], said
    model.embed(m)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="jae"):
        table = jae.evaluate(m, ["X_jae"], report=False, progress_bar=False, device="cpu")
    assert np.isfinite(table["cc_cons"].to_numpy(dtype=float)).all()  # scored, with the genes that are there
    assert _cell_cycle_info(caplog) == []
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG and "cell-cycle scores use" in
             r.getMessage()]
    assert debug and "41 of 43 S-phase and 53 of 54 G2/M-phase" in debug[0]
