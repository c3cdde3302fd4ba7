"""A stage whose training cells cannot make one minibatch (batch norm needs 2 cells) took no optimiser step at all and
said nothing: a fit on a reference of 2 labelled cells (1 trained on, 1 held out) logged "pretrain: 2 epochs" and
kept the network's starting weights. It now warns, naming the count and the fix."""

import logging

import numpy as np
import torch

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.train.loop import run_epochs


def _run(n_train, caplog, *, max_epochs=2, epoch_cells=None):
    """The minibatch sizes ``run_epochs`` steps on (batches of 4, at least 2 cells each), warnings in ``caplog``."""
    steps = []
    net = torch.nn.Linear(2, 1)

    def step(idx):
        steps.append(idx.numel())
        return {"total": torch.tensor(1.0)}

    with caplog.at_level(logging.WARNING, logger="jae.train.loop"):
        run_epochs(net, step, n_train=n_train, batch_size=4, generator=torch.Generator().manual_seed(0),
                   max_epochs=max_epochs, min_batch=2, progress_bar=False, desc="jae pretrain", epoch_cells=epoch_cells)
    return steps


def test_a_stage_too_small_for_one_minibatch_warns_that_it_takes_no_step(caplog):
    assert _run(1, caplog) == []
    assert [r.getMessage() for r in caplog.records] == [
        "jae pretrain: 1 training cells, fewer than the 2 one minibatch needs, so no training step is taken and the "
        "network keeps its starting weights; train on more cells (a fit: a larger reference, or a smaller "
        "JAEConfig(val_fraction))"]
    caplog.clear()
    assert _run(2, caplog) == [2, 2] and caplog.records == []


def test_a_fit_on_two_labelled_cells_warns_that_pretraining_took_no_step(caplog):
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    ct = m.obs["cell_type"].astype(str).to_numpy()
    keep = np.zeros(m.n_obs, bool)
    keep[[int(np.flatnonzero(ct == t)[0]) for t in np.unique(ct)[:2]]] = True
    m.obs["ct"] = m.obs["cell_type"].astype(object).where(keep)
    with caplog.at_level(logging.WARNING, logger="jae.train.loop"):
        JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m, cell_type_key="ct", batch_key=None,
                                                                        progress_bar=False)
    assert [r.getMessage().split(",")[0] for r in caplog.records if r.name == "jae.train.loop"] == [
        "jae pretrain: 1 training cells"]


def test_rounds_too_small_for_one_minibatch_warn_that_no_step_is_taken(caplog):
    assert _run(50, caplog, max_epochs=3, epoch_cells=1) == []
    assert [r.getMessage() for r in caplog.records] == [
        "jae pretrain: rounds of 1 training cells (epoch_cells) are fewer than the 2 one minibatch needs, so no training "
        "step is taken and the network keeps its starting weights; raise JAEConfig(epoch_cells)"]


def test_a_fit_with_batch_size_1_warns_that_it_takes_no_step(caplog):
    """Every minibatch of one cell is skipped (batch norm needs two), so JAEConfig(batch_size=1) trained nothing."""
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    with caplog.at_level(logging.WARNING, logger="jae.train.loop"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=10, batch_size=1), seed=0, device="cpu").fit(m, progress_bar=False)
    assert "total" not in model.history  # not one step
    assert [r.getMessage() for r in caplog.records if r.name == "jae.train.loop"] == [
        "jae pretrain: minibatches of 1 cells (batch_size) are fewer than the 2 one needs, so no training step is taken "
        "and the network keeps its starting weights; set JAEConfig(batch_size=2) or more"]


def test_fine_tuning_on_one_cell_says_it_is_skipped(caplog):
    """``model.finetune(one_cell)`` returned the model unchanged without a word (batch norm needs two cells to a
    minibatch); a warning now says the fine-tuning was skipped."""
    data = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=1, seed=2)
    model = JAE(JAEConfig(max_epochs=1, n_svd=8, n_free=4), seed=0, device="cpu").fit(data, progress_bar=False)
    before = model.embed(data, key_added=None)
    with caplog.at_level(logging.WARNING, logger="jae.joint"):
        model.finetune(data[:1].copy(), progress_bar=False)
    assert "fine-tuning skipped: 1 cell, fewer than one minibatch needs (2)" in caplog.text
    assert (model.embed(data, key_added=None) == before).all()
