"""JAEConfig(epoch_cells=1) (jae fit --set epoch_cells=1) was taken, and every fit with it kept the network's starting
weights: a round of one cell holds no minibatch (batch norm needs two), which the training said only after the whole
preprocessing, then saved the untrained model. It is now refused when the config is made, naming the field."""

from __future__ import annotations

import logging

import pytest

import jae
from jae import JAEConfig


def test_epoch_cells_of_one_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"^epoch_cells must be >= 2, not 1$"):
        JAEConfig(epoch_cells=1)
    with pytest.raises(ValueError, match=r"^epoch_cells must be >= 2, not 1$"):
        JAEConfig().with_overrides(["epoch_cells=1"])
    with pytest.raises(ValueError, match=r"^epoch_cells must be >= 2, not 0$"):
        JAEConfig(epoch_cells=0)


def test_jae_fit_refuses_it_before_reading_any_file(tmp_path, caplog, monkeypatch):
    from jae.cli import main

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    args = ["fit", "--h5mu", str(tmp_path / "missing.h5mu"), "--out", str(tmp_path / "m"), "--set", "epoch_cells=1"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    assert caplog.messages == ["epoch_cells must be >= 2, not 1"]


def test_rounds_of_two_cells_train(caplog):
    mdata = jae.simulate(200, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    with caplog.at_level(logging.WARNING, logger="jae.train.loop"):
        model = jae.JAE(JAEConfig(epoch_cells=2, max_epochs=2), seed=0).fit(mdata, progress_bar=False)
    assert not [r for r in caplog.records if r.name == "jae.train.loop"]
    assert model.history["total"].notna().all() and len(model.history) == 2  # each round took a step
