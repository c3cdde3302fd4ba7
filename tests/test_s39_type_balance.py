"""JAEConfig.type_balance: the cell-type term's per-type weights (jae.model.loss.type_weights). 0 (the default) is
the seed's loss, every cell alike; 1 gives every type the same total weight."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jae import JAE, JAEConfig
from jae.config import JAEConfig as Config
from jae.datasets import simulate
from jae.model.layout import LatentLayout
from jae.model.loss import jae_loss, type_weights


def test_weights_give_each_present_type_the_same_total_at_one_and_none_at_zero():
    codes = torch.tensor([0] * 90 + [1] * 9 + [-1] * 5 + [3])  # type 2 absent, five unlabelled cells
    assert type_weights(codes, 4, 0.0) is None
    w = type_weights(codes, 4, 1.0)
    totals = [float(w[t]) * n for t, n in ((0, 90), (1, 9), (3, 1))]
    assert np.allclose(totals, totals[0]) and float(w[2]) == 1.0
    half = type_weights(codes, 4, 0.5)
    assert np.allclose(half.numpy() ** 2, w.numpy(), rtol=1e-6)
    assert type_weights(torch.tensor([-1, -1]), 3, 1.0) is None


def test_the_weighted_term_is_the_weighted_mean_of_the_cells_cross_entropies():
    layout = LatentLayout(n_cell_type=3, n_batch=0, n_phase=0, n_free=2)
    z = torch.randn(6, layout.dim, generator=torch.Generator().manual_seed(0))
    x = torch.zeros(6, 4)
    ct = torch.tensor([0, 0, 0, 0, 1, 2])
    w = type_weights(ct, 3, 1.0)
    got = jae_loss(z, x, x, layout=layout, config=Config(), cell_type=ct, type_weight=w)["cell_type"]
    each = torch.nn.functional.cross_entropy(z[:, layout.block("cell_type")], ct, reduction="none")
    assert torch.isclose(got, (w[ct] * each).sum() / w[ct].sum())
    plain = jae_loss(z, x, x, layout=layout, config=Config(), cell_type=ct)["cell_type"]
    assert torch.isclose(plain, each.mean()) and not torch.isclose(got, plain)


def test_the_default_fit_is_the_seeds_loss_and_a_balanced_fit_differs():
    ref = simulate(400, kind="cite", n_genes=200, n_proteins=12, n_cell_types=4, n_batches=2, seed=3)
    cfg = JAEConfig(max_epochs=3, n_svd=10)
    a = JAE(cfg, seed=0, device="cpu").fit(ref, progress_bar=False).latent(ref)
    b = JAE(JAEConfig(max_epochs=3, n_svd=10, type_balance=0.0), seed=0, device="cpu").fit(
        ref, progress_bar=False).latent(ref)
    c = JAE(JAEConfig(max_epochs=3, n_svd=10, type_balance=1.0), seed=0, device="cpu").fit(
        ref, progress_bar=False).latent(ref)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_a_negative_balance_is_refused():
    with pytest.raises(ValueError, match="type_balance must be >= 0"):
        JAEConfig(type_balance=-1)
