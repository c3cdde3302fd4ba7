"""cc_cons's n/a reason for data without RNA (s37 audit): ATAC-only (or ADT-only) data was told "pass rna=<name>
naming it (jae evaluate: --rna-mod NAME)", which cannot help: no modality holds genes. The reason now says what the
modalities hold and that cc_cons needs the same cells' RNA; a modality jae cannot place (no feature types, a name it
does not know) keeps the rna=<name> fix, which helps there. Scores unchanged."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.evaluation.checks import rna_modality


@pytest.fixture(scope="module")
def multiome():
    return simulate(60, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)


def test_atac_only_is_told_it_has_no_rna_not_to_name_one(multiome):
    name, why = rna_modality({"atac": multiome["atac"]}, "rna")
    assert name is None
    assert why == ("no RNA in the data: its modalities ['atac'] hold ATAC peaks, and cc_cons measures the cell cycle "
                   "on the cells' RNA (their cell-cycle genes); score it with the same cells' RNA beside them")
    assert "rna-mod" not in cli_message(why)


def test_peaks_and_proteins_by_name_alone(multiome):
    atac = multiome["atac"].copy()
    del atac.var["feature_types"]
    prot = atac[:, :20].copy()
    name, why = rna_modality({"atac": atac, "prot": prot}, "rna")
    assert name is None and "hold ATAC peaks and ADT proteins" in why and "rna=" not in why


def test_a_modality_jae_cannot_place_keeps_the_rna_fix(multiome):
    a = multiome["rna"].copy()
    del a.var["feature_types"]
    b = multiome["atac"].copy()
    name, why = rna_modality({"expr": a, "atac": b}, "rna")
    assert name is None and why.endswith("; pass rna=<name> naming it (jae evaluate: --rna-mod NAME)")
    assert rna_modality({"expr": a, "atac": b}, "expr") == ("expr", "")


def test_evaluate_reports_it(multiome):
    import jae

    atac = md.MuData({"atac": multiome["atac"].copy()})
    atac.obs = multiome.obs.copy()
    atac.obsm["X_e"] = np.random.default_rng(0).normal(size=(atac.n_obs, 4)).astype(np.float32)
    table = jae.evaluate(atac, ["X_e"], pseudotime_keys=[], progress_bar=False)
    assert np.isnan(table.loc["X_e", "cc_cons"])
    assert table.attrs["skipped"]["X_e"]["cc_cons"].startswith("no RNA in the data: its modalities ['atac'] hold")
