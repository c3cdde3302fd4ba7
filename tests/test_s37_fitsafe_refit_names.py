"""``JAE.fit`` set the model's modality names and organism from the new data before ``fit_transformed`` checked its
arguments. With a refused ``fit_transformed`` now leaving a fitted model as it was, a refit refused there would have
kept the last fit's network under the new data's modality names; the names are put back with it."""

from __future__ import annotations

import mudata
import pytest

import jae


def _refused(*args, **kwargs):
    raise ValueError("refused for the test")


@pytest.fixture(scope="module")
def data():
    mdata = jae.simulate(n_cells=300, seed=0)
    renamed = mudata.MuData({"gex": mdata["rna"].copy(), "peaks": mdata["atac"].copy()})
    renamed.obs[["batch", "cell_type"]] = mdata.obs[["batch", "cell_type"]]
    renamed.obs["batch_score"] = 0.0  # given phase scores: no cell-cycle scoring, so no organism is inferred
    return mdata, renamed


def test_a_refit_refused_after_preprocessing_keeps_the_last_fits_names(data, monkeypatch):
    mdata, renamed = data
    model = jae.JAE(jae.JAEConfig(max_epochs=1)).fit(mdata, progress_bar=False)
    network, names, organism = model.network, model.modality_names, model.organism
    monkeypatch.setattr(jae.fitting, "check_batches", _refused)
    with pytest.raises(ValueError, match="refused for the test"):
        model.fit(renamed, phase_keys=("batch_score", "batch_score"), progress_bar=False)
    assert model.network is network
    assert model.modality_names == names == ("rna", "atac") and model.organism == organism == "human"


def test_a_first_fit_refused_there_leaves_no_names(data, monkeypatch):
    mdata, _ = data
    model = jae.JAE(jae.JAEConfig(max_epochs=1))
    monkeypatch.setattr(jae.fitting, "check_batches", _refused)
    with pytest.raises(ValueError, match="refused for the test"):
        model.fit(mdata, progress_bar=False)
    assert not model.is_fitted and model.modality_names == () and model.organism is None
