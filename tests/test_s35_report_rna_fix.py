"""Session 35: data without an RNA modality has cc_cons n/a, and the report (and the table jae evaluate prints) said
why with a fix in Python's words only, 'pass rna=<name> naming it', which jae evaluate has no flag for; it now names
the flag too (--rna-mod NAME), as the organism's note names --organism beside organism=."""

from __future__ import annotations

import mudata as md
import numpy as np

import jae
from jae.datasets import simulate
from jae.report import table_markdown


def test_the_no_rna_note_names_the_cli_flag_beside_the_python_argument():
    m = simulate(100, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    # a modality jae cannot place (no feature types, a name it does not know): naming the RNA is the fix; ATAC-only
    # data gets another reason, since no modality holds genes (s37, test_s37_leftC_no_rna_reason.py)
    peaks = m["atac"].copy()
    del peaks.var["feature_types"]
    peaks.var_names = [f"expr_{v}" for v in peaks.var_names]
    atac = md.MuData({"atac": m["atac"].copy(), "expr": peaks})
    atac.obs = m.obs.copy()
    atac.obsm["X_e"] = np.random.default_rng(0).normal(size=(atac.n_obs, 4)).astype(np.float32)
    table = jae.evaluate(atac, ["X_e"], pseudotime_keys=[], progress_bar=False)
    reason = table.attrs["skipped"]["X_e"]["cc_cons"]
    assert reason.startswith("no RNA modality among ['atac', 'expr']")
    assert reason.endswith("; pass rna=<name> naming it (jae evaluate: --rna-mod NAME)")
    assert "(jae evaluate: --rna-mod NAME))" in table_markdown(table, escape=False)
