"""The loss's shortcut for minibatches where every cell is labelled and has phase scores (the pretraining case):
the same loss and the same gradients, bit for bit, as the masked computation it skips."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from jae import JAEConfig
from jae.model import LatentLayout, jae_loss


def _masked_reference(z, recon, x, layout, cfg, ct, phase):
    """The loss computed the long way: boolean masks selecting every row."""
    labelled = ct >= 0
    known = ~torch.isnan(phase).any(dim=1)
    ce = F.cross_entropy(z[labelled, layout.block("cell_type")], ct[labelled])
    batch = -F.log_softmax(z[:, layout.block("batch")], dim=1).mean(dim=1).mean()
    ph = F.mse_loss(z[known, layout.block("phase")], phase[known])
    rec = F.mse_loss(recon, x)
    total = cfg.w_reconstruction * rec + cfg.w_cell_type * ce + cfg.w_batch * batch + cfg.w_phase * ph
    return {"reconstruction": rec, "cell_type": ce, "batch": batch, "phase": ph, "total": total}


def test_fully_labelled_minibatch_loss_and_gradients_are_bit_identical_to_the_masked_path():
    g = torch.Generator().manual_seed(3)
    layout = LatentLayout(n_cell_type=7, n_batch=3, n_phase=2, n_free=11)
    cfg = JAEConfig()
    z0 = torch.randn(32, layout.dim, generator=g)
    recon0 = torch.randn(32, 20, generator=g)
    x = torch.randn(32, 20, generator=g)
    ct = torch.randint(0, 7, (32,), generator=g)
    phase = torch.randn(32, 2, generator=g)

    grads = []
    for fn in (
        lambda z, r: jae_loss(z, r, x, layout=layout, config=cfg, cell_type=ct, phase=phase),
        lambda z, r: _masked_reference(z, r, x, layout, cfg, ct, phase),
    ):
        z, recon = z0.clone().requires_grad_(True), recon0.clone().requires_grad_(True)
        parts = fn(z, recon)
        parts["total"].backward()
        grads.append(({k: v.detach() for k, v in parts.items()}, z.grad, recon.grad))
    (fast, gz_fast, gr_fast), (slow, gz_slow, gr_slow) = grads
    assert set(fast) == set(slow)
    for k in fast:
        assert torch.equal(fast[k], slow[k]), k
    assert torch.equal(gz_fast, gz_slow)
    assert torch.equal(gr_fast, gr_slow)


def test_partly_labelled_minibatch_still_leaves_unlabelled_and_unscored_cells_out():
    g = torch.Generator().manual_seed(4)
    layout = LatentLayout(n_cell_type=3, n_batch=2, n_phase=2, n_free=4)
    z = torch.randn(6, layout.dim, generator=g)
    x = torch.randn(6, 5, generator=g)
    ct = torch.tensor([0, 1, -1, 2, -1, 0])
    phase = torch.randn(6, 2, generator=g)
    phase[3] = float("nan")
    parts = jae_loss(z, x, x, layout=layout, config=JAEConfig(), cell_type=ct, phase=phase)
    keep = ct >= 0
    assert torch.equal(parts["cell_type"], F.cross_entropy(z[keep, 0:3], ct[keep]))
    rows = torch.tensor([0, 1, 2, 4, 5])
    assert torch.equal(parts["phase"], F.mse_loss(z[rows, 5:7], phase[rows]))
    none = jae_loss(z, x, x, layout=layout, config=JAEConfig(), cell_type=torch.full((6,), -1),
                    phase=torch.full((6, 2), float("nan")))
    assert "cell_type" not in none and "phase" not in none
