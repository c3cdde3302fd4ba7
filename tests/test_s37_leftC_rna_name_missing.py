"""jae.evaluate(mdata, rna='rnaa') (a misspelt modality name) on data in memory: cc_cons silently read another
modality as the RNA, while the same name given for files (jae.io.open_h5mu(path, rna='rnaa')) is refused. Now a
warning names the missing modality and the data's modalities; the scores are unchanged (s37 audit)."""

from __future__ import annotations

import logging

import numpy as np

from jae.datasets import simulate
from jae.evaluation.checks import rna_modality


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and r.name == "jae.evaluation.checks"]


def test_a_missing_rna_name_is_warned_about_and_the_rna_still_found(caplog):
    m = simulate(40, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    mods = {"rna": m["rna"], "atac": m["atac"]}
    with caplog.at_level(logging.WARNING):
        assert rna_modality(mods, "rnaa") == ("rna", "")
    said = _warnings(caplog)
    assert said == ["cc_cons: the data has no modality 'rnaa', the one rna= names (its modalities: ['rna', 'atac']): "
                    "the RNA is looked for among them instead; pass rna=<name> naming one of them"]


def test_the_default_and_a_present_name_say_nothing(caplog):
    m = simulate(40, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    with caplog.at_level(logging.WARNING):
        assert rna_modality({"gex": m["rna"], "atac": m["atac"]}, "rna") == ("gex", "")  # the default, absent
        assert rna_modality({"gex": m["rna"], "atac": m["atac"]}, "gex") == ("gex", "")
    assert _warnings(caplog) == []


def test_evaluate_scores_as_before(caplog):
    import jae

    m = simulate(60, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    with caplog.at_level(logging.WARNING):
        typo = jae.evaluate(m, ["X_e"], rna="rnaa", progress_bar=False)
    assert any("no modality 'rnaa'" in w for w in _warnings(caplog))
    right = jae.evaluate(m, ["X_e"], progress_bar=False)
    assert typo.equals(right)
