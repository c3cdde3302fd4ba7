"""Pretraining epochs capped at ``epoch_cells`` training cells (issue 16): rounds of a pass, same draws below it."""

import re

import numpy as np
import pytest
import torch

from jae import JAE
from jae.config import JAEConfig
from jae.datasets import simulate
from jae.train import Stage
from jae.train.loop import _Order, run_epochs


def _orders(n, cells, calls, seed=0):
    order = _Order(n, cells, torch.Generator().manual_seed(seed), torch.device("cpu"))
    return [order.next().numpy() for _ in range(calls)]


def test_whole_passes_draw_one_permutation_each_as_before():
    gen = torch.Generator().manual_seed(3)
    expected = [torch.randperm(50, generator=gen).numpy() for _ in range(3)]
    for cells in (None, 50, 10_000):
        got = _orders(50, cells, 3, seed=3)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_rounds_slice_one_pass_and_cover_every_cell():
    rounds = _orders(50, 16, 8, seed=1)
    assert [len(r) for r in rounds] == [16, 16, 16, 2, 16, 16, 16, 2]
    first, second = np.concatenate(rounds[:4]), np.concatenate(rounds[4:])
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert not np.array_equal(first, second)  # a new seeded permutation per pass


def _toy(epoch_cells, *, patience=None, max_epochs=6, n=200):
    torch.manual_seed(0)
    X = torch.randn(n, 4)
    y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0])
    net = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    seen, validations = [], []

    def step(idx):
        seen.append(idx.clone())
        loss = ((net(X[idx]).squeeze(1) - y[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return {"total": loss}

    def validate():
        validations.append(1)
        with torch.no_grad():
            return float(((net(X).squeeze(1) - y) ** 2).mean())

    history = run_epochs(net, step, n_train=n, batch_size=8, generator=torch.Generator().manual_seed(0),
                         max_epochs=max_epochs, validate=validate, patience=patience, progress_bar=False,
                         epoch_cells=epoch_cells)
    return history, seen, validations


def test_run_epochs_validates_after_every_round():
    history, seen, validations = _toy(64, max_epochs=6)
    assert len(history) == 6 and len(validations) == 6
    # rounds of 64 cells = 8 steps of 8; the pass of 200 cells ends with a round of 8 cells (one step)
    assert len(seen) == 8 + 8 + 8 + 1 + 8 + 8
    assert history[-1]["val_total"] < history[0]["val_total"]
    # below the cap the same loop keeps whole epochs: 25 steps of 8 per epoch
    history, seen, _ = _toy(None, max_epochs=2)
    assert len(history) == 2 and len(seen) == 50


def test_patience_counts_rounds():
    # a loss that cannot improve: early stopping after ``patience`` rounds past the first
    torch.manual_seed(0)
    net = torch.nn.Linear(2, 1)
    calls = []

    def step(idx):
        calls.append(len(idx))
        return {"total": torch.zeros(())}

    history = run_epochs(net, step, n_train=1000, batch_size=10, generator=torch.Generator().manual_seed(0),
                         max_epochs=100, validate=lambda: 1.0, patience=3, progress_bar=False, epoch_cells=100)
    assert len(history) == 4 and sum(calls) == 400


def test_config_checks_epoch_cells():
    assert JAEConfig().epoch_cells == 131_072
    with pytest.raises(ValueError, match="epoch_cells"):
        JAEConfig(epoch_cells=0)


def _creeping(epoch_cells, tolerance, *, n=1000, epoch_tolerance=0.0):
    """A validation loss that falls by 0.01% per epoch; each step adds 1 to the weight, so the kept epoch is known."""
    net = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(net.weight)
    losses = []

    def step(idx):
        with torch.no_grad():
            net.weight += 1.0
        return {"total": torch.zeros(())}

    def validate():
        losses.append(1.0 - 1e-4 * len(losses))
        return losses[-1]

    history = run_epochs(net, step, n_train=n, batch_size=100, generator=torch.Generator().manual_seed(0),
                         max_epochs=12, validate=validate, patience=3, progress_bar=False, epoch_cells=epoch_cells,
                         round_tolerance=tolerance, epoch_tolerance=epoch_tolerance)
    return history, float(net.weight.detach())


def test_round_tolerance_stops_a_creeping_loss_on_rounds_only():
    # rounds of 100 cells (1 step each): the first round sets the mark, the next 3 fall by less than 0.1% -> stop
    history, weight = _creeping(100, 1e-3)
    assert len(history) == 4
    assert weight == 4.0  # the weights of the lowest loss (the last round), not of the round that set the mark
    # without the tolerance the creeping loss never stops
    assert len(_creeping(100, 0.0)[0]) == 12
    # whole epochs (n <= epoch_cells) keep the any-decrease rule whatever the tolerance
    assert len(_creeping(None, 1e-3)[0]) == 12
    assert len(_creeping(1000, 1e-3)[0]) == 12


def test_epoch_tolerance_stops_a_creeping_loss_on_whole_epochs():
    history, weight = _creeping(None, 0.0, epoch_tolerance=1e-3)
    assert len(history) == 4 and weight == 40.0  # 10 steps an epoch; the lowest loss is the last epoch's
    # a loss falling by more than the bar keeps training
    assert len(_creeping(None, 0.0, epoch_tolerance=1e-5)[0]) == 12
    # on rounds the larger bar applies
    assert len(_creeping(100, 1e-5, epoch_tolerance=1e-3)[0]) == 4


def test_config_checks_round_tolerance():
    assert JAEConfig().round_tolerance == 1e-3
    for name in ("round_tolerance", "epoch_tolerance_unsupervised"):
        with pytest.raises(ValueError, match=name):
            JAEConfig(**{name: 1.0})


def test_epoch_tolerance_applies_to_unsupervised_pretraining_only():
    sup = JAEConfig(epoch_tolerance_unsupervised=0.02)
    unsup = JAEConfig(mode="unsupervised", epoch_tolerance_unsupervised=0.02)
    assert Stage.pretraining(sup, 9_000).epoch_tolerance == 0.0
    assert Stage.pretraining(unsup, 9_000).epoch_tolerance == 0.02
    assert Stage.finetuning(unsup, 2, 9_000).epoch_tolerance == 0.0


def test_batch_rule_keeps_500_steps_per_epoch_and_leaves_small_references_alone():
    from jae.train import batch_scale

    assert [batch_scale(n, 32, 4) for n in (10_309, 31_999, 32_000, 63_999, 64_000, 131_072)] == [1, 1, 2, 2, 4, 4]
    assert batch_scale(10**6, 32, 8) == 8 and batch_scale(10**6, 32, 1) == 1 and batch_scale(10**6, 32, 3) == 2
    cfg = JAEConfig()
    pre = Stage.pretraining(cfg, 900_000)  # a round of 131,072 cells
    assert (pre.batch_size, pre.lr) == (128, pytest.approx(2e-4)) and pre.round_tolerance == cfg.round_tolerance
    assert Stage.pretraining(cfg, 9_000).batch_size == 32 and Stage.pretraining(cfg, 9_000).lr == cfg.lr
    fine = Stage.finetuning(cfg, 2, 40_000)
    assert (fine.batch_size, fine.lr, fine.max_epochs) == (64, cfg.finetune_lr, 2)
    with pytest.raises(ValueError, match="max_batch_scale must be >= 1"):
        JAEConfig(max_batch_scale=0)


def test_batch_rule_trains_as_the_same_batch_and_learning_rate_set_by_hand(monkeypatch, caplog):
    """The rule only sets the batch and learning rate: a fit it scales equals the fit given them by hand, and differs
    from the seed's batch 32 (the 500-step floor lowered so that a small set qualifies)."""
    import logging

    from jae import JAE
    from jae.datasets import simulate
    from jae.train import trainer

    m = simulate(700, kind="cite", n_genes=300, n_proteins=20, n_cell_types=4, n_batches=2, seed=1)
    fast = dict(max_epochs=4, n_svd=20)
    monkeypatch.setattr(trainer, "MIN_STEPS_PER_EPOCH", 4)  # 630 training cells: k = 4 (batches of 128)
    with caplog.at_level(logging.INFO, logger="jae.train.trainer"):
        ruled = JAE(JAEConfig(**fast), seed=0, device="cpu").fit(m, progress_bar=False)
    assert "batches of 128 cells at lr 0.0002 (batch-size rule: 4 x" in caplog.text
    by_hand = JAE(JAEConfig(**fast, batch_size=128, lr=2e-4, max_batch_scale=1), seed=0, device="cpu").fit(
        m, progress_bar=False)
    seed = JAE(JAEConfig(**fast, max_batch_scale=1), seed=0, device="cpu").fit(m, progress_bar=False)
    np.testing.assert_array_equal(ruled.embed(m, key_added=None), by_hand.embed(m, key_added=None))
    assert not np.allclose(ruled.embed(m, key_added=None), seed.embed(m, key_added=None), atol=1e-4)


def test_the_stage_line_says_where_the_network_trained(monkeypatch, caplog):
    """A user with a GPU can tell from the log whether it was used: 'pretrain: N epochs on cpu' here, and the GPU's
    index and name when training ran on one."""
    import logging

    import jae.train.trainer as trainer

    with caplog.at_level(logging.INFO, logger="jae.train.trainer"):
        JAE(JAEConfig(max_epochs=2, n_svd=8, n_free=4), seed=0, device="cpu").fit(simulate(300, seed=1),
                                                                                   progress_bar=False)
    assert any(re.match(r"pretrain: \d+ epochs on cpu, ", r.getMessage()) for r in caplog.records), caplog.text
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: f"GPU model {i}")
    assert trainer._device_name(torch.device("cuda")) == "cuda:1 (GPU model 1)"
    assert trainer._device_name(torch.device("cuda", 0)) == "cuda:0 (GPU model 0)"


@pytest.mark.parametrize("mosaic", [False, True])
def test_unsupervised_fit_stops_by_the_epoch_tolerance(mosaic):
    # a bar of 50% is never met, so an unsupervised fit stops after the first epoch plus `patience`, on the paired and
    # the mosaic training path alike (the rule itself: the tests above)
    import mudata as md

    m = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    if mosaic:  # the first 60 cells have RNA alone
        mos = md.MuData({"rna": m["rna"].copy(), "prot": m["prot"][60:].copy()})
        mos.obs = mos.obs.join(m.obs[["batch"]])
        m = mos
    cfg = JAEConfig(mode="unsupervised", max_epochs=12, patience=2, n_svd=20, epoch_tolerance_unsupervised=0.5)
    model = JAE(cfg, seed=0, device="cpu").fit(m, cell_type_key=None, progress_bar=False)
    assert model.history["val_total"].notna().sum() == 3


def test_the_stage_line_counts_rounds_as_rounds(caplog):
    """Above epoch_cells training cells an epoch is a round; the stage line said 'pretrain: 12 epochs' all the same,
    as if every cell had been seen 12 times. It now says 'N rounds of 100 cells' (and '1 epoch', not '1 epochs')."""
    import logging

    with caplog.at_level(logging.INFO, logger="jae.train.trainer"):
        JAE(JAEConfig(max_epochs=3, n_svd=8, n_free=4, epoch_cells=100), seed=0, device="cpu").fit(
            simulate(300, seed=1), progress_bar=False)
        JAE(JAEConfig(max_epochs=1, n_svd=8, n_free=4), seed=0, device="cpu").fit(simulate(300, seed=1),
                                                                                   progress_bar=False)
    lines = [r.getMessage() for r in caplog.records]
    assert any(re.match(r"pretrain: \d+ rounds? of 100 cells on cpu, ", m) for m in lines), lines
    assert any(m.startswith("pretrain: 1 epoch on cpu, ") for m in lines), lines
