"""Session 34 audit: a model saved before jae kept the reference cells' feature moments (``model.moments`` None)
cannot impute; jae.impute and jae embed --impute-out / --impute-modality say so in one line naming the refit, before
the data is read, instead of the query's fix 'pass data with the model's features in both modalities', which leaves
nothing to impute."""

from __future__ import annotations

import logging

import mudata as md
import pytest

import jae
from jae import JAE
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def old(own_cite_model):
    d, model = own_cite_model("impute_moments")
    model.moments = None  # as a model saved before them loads
    model.save(d / "old", overwrite=True)
    q = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    q["rna"].write_h5ad(d / "rna.h5ad")
    md.MuData({"rna": q["rna"].copy()}).write(d / "rna.h5mu")
    return d, JAE.load(d / "old", device="cpu"), q


def test_impute_with_a_model_without_moments_names_the_refit(old, monkeypatch):
    d, model, q = old
    assert model.moments is None

    def never(*args, **kwargs):
        raise AssertionError("the data was read before the check")

    monkeypatch.setattr("jae.query.features.query_features", never)
    for method in ("decoder", "regression"):
        with pytest.raises(ValueError, match=r"^jae.impute predicts the missing modality from the reference cells' "
                           r"feature statistics, which this model lacks \(it was saved before jae kept them\): refit "
                           r"it with this jae version$"):
            jae.impute(model, q["rna"], method=method)


@pytest.mark.parametrize("flags", [["--mod1", "rna.h5ad", "--out", "e.h5ad", "--impute-out", "imp.h5ad"],
                                   ["--h5mu", "rna.h5mu", "--out", "e.h5mu", "--impute-modality", "prot"]])
def test_embed_impute_with_a_model_without_moments_is_refused_before_any_work(old, tmp_path, caplog, monkeypatch,
                                                                              flags):
    d, _, _ = old

    def never(*args, **kwargs):
        raise AssertionError("the data was read before the check")

    monkeypatch.setattr("jae.io.inputs.InputFiles.open", never)
    args = [str(d / f) if f.startswith("rna.") else str(tmp_path / f) if "." in f else f for f in flags]
    caplog.clear()
    assert main(["embed", "--model", str(d / "old"), *args]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    asked = "--impute-out" if "--impute-out" in flags else "--impute-modality"
    assert len(errors) == 1 and errors[0].endswith(
        f"{asked} predicts the missing modality from the reference cells' feature statistics, which this model lacks "
        "(it was saved before jae kept them): refit it with this jae version"), errors
    assert not list(tmp_path.iterdir())
