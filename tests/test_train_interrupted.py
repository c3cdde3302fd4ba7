"""A fit or a fine-tuning that does not finish (an error, or Ctrl-C in a notebook) leaves no half-made model: a fit
leaves the model unfitted, a fine-tuning leaves it as it was."""

import numpy as np
import pytest
import torch

import jae.fitting
import jae.joint
from jae import JAE, JAEConfig, simulate

CFG = JAEConfig(max_epochs=2, n_svd=10)


@pytest.fixture(scope="module")
def cells():
    m = simulate(300, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=2)
    query = m.obs["batch"].astype(str).to_numpy() == sorted(m.obs["batch"].astype(str).unique())[1]
    return m[~query].copy(), m[query].copy()


def _interrupted(*args, **kwargs):
    network = args[0]
    with torch.no_grad():
        next(network.parameters()).add_(1.0)  # some steps were taken
    raise KeyboardInterrupt


def test_an_interrupted_fit_leaves_no_model(cells, monkeypatch):
    model = JAE(CFG, seed=0, device="cpu").fit(cells[0], progress_bar=False)
    assert model.is_fitted
    monkeypatch.setattr(jae.fitting, "train_network", _interrupted)  # pretraining (jae.fitting.fit_stages)
    with pytest.raises(KeyboardInterrupt):
        model.fit(cells[0], progress_bar=False)  # a refit stopped halfway: neither the last fit nor this one
    assert not model.is_fitted
    with pytest.raises(RuntimeError, match="not fitted yet"):
        model.embed(cells[0], key_added=None)
    fresh = JAE(CFG, seed=0, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(cells[0], progress_bar=False)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        fresh.save("never_written")


def test_an_interrupted_finetune_leaves_the_model_as_it_was(cells, monkeypatch):
    model = JAE(CFG, seed=0, device="cpu").fit(cells[0], progress_bar=False)
    before = model.embed(cells[1], key_added=None)
    labels = model.predict_cell_type(cells[1])
    weights = {k: v.clone() for k, v in model.network.state_dict().items()}
    calibration, n_history = model.calibration, len(model.history)
    monkeypatch.setattr(jae.joint, "train_network", _interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.finetune(cells[1], progress_bar=False)
    for k, v in model.network.state_dict().items():
        assert torch.equal(v, weights[k]), k
    assert model.calibration is calibration and len(model.history) == n_history
    np.testing.assert_array_equal(model.embed(cells[1], key_added=None), before)
    assert model.predict_cell_type(cells[1]).equals(labels)
