"""Session 37 (polmod): jae evaluate on mouse data with organism 'human' (given, or read from uns['organism']) warned
and scored every embedding without cc_cons, its overall a mean of five metrics, while jae fit refuses the same
mismatch. Now evaluate refuses it too, in one line naming the organism to pass, before any embedding is scored;
genes of neither organism still score with cc_cons n/a, and valid runs score as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae
import jae.metrics
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def mouse():
    mdata = simulate(60, n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, organism="mouse", seed=1)
    mdata.obsm["X_z"] = np.random.default_rng(0).normal(size=(mdata.n_obs, 4))
    return mdata


def test_mouse_genes_scored_as_human_are_refused(mouse, monkeypatch):
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", lambda *a, **k: pytest.fail("scored"))
    with pytest.raises(ValueError, match=r"^organism is 'human' .*lack its cell-cycle genes while they hold mouse's: "
                                         r"pass organism='mouse' to score cc_cons"):
        jae.evaluate(mouse, ["X_z"], organism="human", progress_bar=False)


def test_a_wrong_uns_organism_is_refused_too(mouse, monkeypatch):
    data = mouse.copy()
    data.uns["organism"] = "human"
    with pytest.raises(ValueError, match="pass organism='mouse'"):
        jae.evaluate(data, ["X_z"], organism=None, progress_bar=False)


def test_the_fix_scores_cc_cons(mouse):
    table = jae.evaluate(mouse, ["X_z"], organism="mouse", progress_bar=False)
    assert np.isfinite(table.loc["X_z", "cc_cons"])
    assert jae.evaluate(mouse, ["X_z"], organism=None, progress_bar=False).equals(table)


def test_genes_of_neither_organism_still_score_without_cc_cons(mouse):
    data = mouse.copy()
    data["rna"].var_names = [f"gene{i}" for i in range(data["rna"].n_vars)]
    data.update()
    table = jae.evaluate(data, ["X_z"], organism="human", progress_bar=False)
    assert np.isnan(table.loc["X_z", "cc_cons"]) and np.isfinite(table.loc["X_z", "nmi"])


def test_cli_refuses_in_one_line_with_its_flag(mouse, tmp_path, caplog):
    mouse.write(tmp_path / "m.h5mu")
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "m.h5mu"), "--obsm", "X_z", "--organism", "human",
                 "--no-report", "--out", str(tmp_path / "out")]) == 1
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is None
    text = errors[0].getMessage()
    assert "\n" not in text and "pass --organism mouse to score cc_cons" in text
    assert not (tmp_path / "out").exists()
