"""Human gene symbols in lower case (``mcm5``: a tool lower-cased var_names) get no cell-cycle scores (session 52): fit
skips the phase loss and cc_cons is n/a, as before (names are matched exactly, as scanpy does, so no score or
embedding changes), but the warning said only to check the gene names. It now says the markers are there in another
case and gives the rename that finds them."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.preprocess.cell_cycle import CellCycleGenes, cell_cycle_genes

FIX = "adata.var_names = adata.var_names.str.upper() on the RNA modality"


@pytest.fixture(scope="module")
def lower():
    mdata = jae.simulate(150, n_genes=400)
    mdata["rna"].var_names = mdata["rna"].var_names.str.lower()  # mcm5, not MCM5
    mdata.uns.pop("organism", None)
    mdata["rna"].uns.pop("organism", None)
    return mdata


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_fit_and_evaluate_say_the_markers_are_there_in_another_case(lower, caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(lower, progress_bar=False)
    (said,) = [w for w in _warnings(caplog) if "cell-cycle" in w]
    assert said.startswith("no cell-cycle scores (") and said.endswith("the phase loss is skipped"), said
    assert "43 and 54 are there in another case (e.g. 'mcm5' for 'MCM5')" in said and FIX in said, said
    assert "check the organism" not in said
    caplog.clear()
    model.embed(lower)
    with caplog.at_level(logging.WARNING, logger="jae"):
        scores = jae.evaluate(lower, ["X_jae"], progress_bar=False)
    assert scores["cc_cons"].isna().all()  # still not matched: no number changes
    (said,) = [w for w in _warnings(caplog) if w.startswith("cc_cons is n/a")]
    assert "in another case (e.g. 'mcm5' for 'MCM5')" in said and FIX in said, said


def test_the_fix_names_each_organism_case_and_only_when_it_finds_the_markers():
    s, g2m = cell_cycle_genes("mouse")
    with pytest.raises(ValueError, match=r"are there in another case \(e\.g\. 'MCM5' for 'Mcm5'\).*"
                                         r"adata\.var_names\.str\.capitalize\(\)"):
        CellCycleGenes.find([x.upper() for x in s + g2m], "mouse")
    with pytest.raises(ValueError, match="check the organism") as info:  # only S genes, in any case: no rename helps
        CellCycleGenes.find([x.lower() for x in s], "mouse")
    assert "another case" not in str(info.value)
    assert CellCycleGenes.find(s + g2m, "mouse").counts == (len(s), len(g2m))  # exact names: found as before
