"""A refit of a fitted model stopped in its preprocessing (Ctrl-C in the SVD, an error) kept the last fit's network,
preprocessing and calibration but took the new data's modality names and organism, so the model described two fits
(its provenance and a saved model.json named modalities and an organism its network was never fitted on). The model
now changes only once the preprocessing is done: before that it is the last fit, whole."""

import mudata as md
import pytest

import jae.preprocess.pipeline as pipeline
from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_a_refit_stopped_in_its_preprocessing_keeps_the_last_fit_whole(monkeypatch):
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False)
    before = (model.modality_names, model.organism, model.network, model.preprocessor, model.calibration)
    other = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1,
                     organism="mouse")
    renamed = md.MuData({"gex": other["rna"].copy(), "adt": other["prot"].copy()})
    renamed.obs = other.obs.copy()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "preprocess", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(renamed, progress_bar=False)
    assert before == (model.modality_names, model.organism, model.network, model.preprocessor, model.calibration)
    assert model.modality_names == ("rna", "prot") and model.organism == "human"


def test_a_mosaic_refit_stopped_in_its_preprocessing_keeps_the_last_fit_whole(monkeypatch):
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False)
    other = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1,
                     organism="mouse")
    mosaic = md.MuData({"gex": other["rna"].copy(), "adt": other["prot"][30:].copy()})  # 30 cells: RNA alone
    mosaic.obs = mosaic.obs.join(other.obs[["batch", "cell_type"]])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "preprocess", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(mosaic, progress_bar=False)
    assert model.is_fitted and model.modality_names == ("rna", "prot") and model.organism == "human"
