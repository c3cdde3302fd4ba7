"""The loop's epoch losses (jae.train.loop.run_epochs): a training whose loss stops being a number (too high a
learning rate) stops there with one line naming the fix, instead of training on and saving NaN weights
(unsupervised) or failing later in scikit-learn (supervised); a data-parallel history names its losses as one
process's does."""

import math

import pytest
import torch

from jae import JAE
from jae.cli._messages import cli_message
from jae.config import JAEConfig
from jae.datasets import simulate
from jae.train.loop import run_epochs


def _run(losses, **kwargs):
    net = torch.nn.Linear(2, 1)
    values = iter(losses)
    return run_epochs(net, lambda idx: {"total": torch.tensor(next(values))}, n_train=4, batch_size=4,
                      generator=torch.Generator().manual_seed(0), max_epochs=len(losses), progress_bar=False, **kwargs)


def test_run_epochs_stops_at_the_first_epoch_whose_loss_is_not_finite():
    assert [h["total"] for h in _run([1.0, 0.5])] == [1.0, 0.5]
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match=r"^jae pretrain: the training loss is (nan|inf) at epoch 2, so the "
                                             r"training diverged .*; lower lr$"):
            _run([1.0, bad, 0.5], desc="jae pretrain", diverged="lower lr")


def test_run_epochs_stops_on_a_validation_loss_that_is_not_finite():
    with pytest.raises(ValueError, match=r"validation loss is nan at epoch 1"):
        _run([1.0, 1.0], validate=lambda: math.nan, patience=5)


def test_a_diverging_fit_names_its_learning_rate_and_jae_fit_says_set():
    m = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    cfg = JAEConfig(mode="unsupervised", max_epochs=3, n_svd=10, lr=1e4)
    model = JAE(cfg, seed=0, device="cpu")
    with pytest.raises(ValueError, match=r"training loss is nan at epoch 1") as err:
        model.fit(m, cell_type_key=None, progress_bar=False)
    assert r"e.g. JAEConfig(lr=1e+03), and fit again" in str(err.value)
    assert "e.g. --set lr=1e+03, and fit again" in cli_message(str(err.value))


def test_a_data_parallel_history_names_its_losses_in_the_order_of_one_process():
    # two processes' history (and the stage's log line) had the loss columns sorted by name: batch, cell_type, phase,
    # reconstruction, total; one process's: reconstruction, cell_type, batch, phase, total
    from types import SimpleNamespace

    parallel = SimpleNamespace(rank=0, world_size=1, share=lambda idx: idx, sum=lambda t: t.clone(),
                               sync_buffers=lambda module: None)
    net = torch.nn.Linear(2, 1)

    def step(idx):
        return {"reconstruction": torch.tensor(1.0), "cell_type": torch.tensor(2.0), "total": torch.tensor(3.0)}

    for par in (None, parallel):
        history = run_epochs(net, step, n_train=4, batch_size=4, generator=torch.Generator().manual_seed(0),
                             max_epochs=1, progress_bar=False, parallel=par)
        assert list(history[0]) == ["epoch", "reconstruction", "cell_type", "total"], (par, history)
        assert history[0]["cell_type"] == 2.0


def test_a_diverging_mosaic_fit_names_its_learning_rate_too():
    """The mosaic trainer (cells lacking a modality) said only 'lower the learning rate and train again', naming no
    setting, so jae fit could not say which --set to give; it names the field as the paired trainer does."""
    import mudata as md

    m = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    mos = md.MuData({"rna": m["rna"].copy(), "prot": m["prot"][40:].copy()})  # the first 40 cells: RNA alone
    mos.obs = mos.obs.join(m.obs[["batch"]])
    model = JAE(JAEConfig(mode="unsupervised", max_epochs=3, n_svd=10, lr=1e4), seed=0, device="cpu")
    with pytest.raises(ValueError, match=r"^jae pretrain \(mosaic\): the training loss is nan at epoch 1") as err:
        model.fit(mos, cell_type_key=None, progress_bar=False)
    assert str(err.value).endswith("e.g. JAEConfig(lr=1e+03), and fit again")
    assert cli_message(str(err.value)).endswith("e.g. --set lr=1e+03, and fit again")
