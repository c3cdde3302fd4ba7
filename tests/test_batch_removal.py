"""The batch-conditional decoder and the batch adversary (opt-in JAEConfig options)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jae import JAE, JAEConfig
from jae.model import BatchAdversary, JAENetwork, adversary_step_loss



@pytest.fixture(scope="module")
def mdata(query_mdata):
    return query_mdata


def test_conditional_decoder_reads_the_condition_and_checks_its_shape():
    torch.manual_seed(0)
    net = JAENetwork(12, 4, hidden=(8,), dropout=0.0, batch_norm=False, n_condition=3).eval()
    x = torch.randn(5, 12)
    z, recon = net(x)  # no condition: zeros
    assert recon.shape == (5, 12)
    one = torch.eye(3)[[0, 1, 2, 0, 1]]
    assert torch.equal(net.decode(z, torch.zeros(5, 3)), recon)
    assert not torch.allclose(net.decode(z, one), recon)
    with pytest.raises(ValueError, match="condition has shape"):
        net.decode(z, torch.zeros(5, 2))


def test_adversary_loss_leaves_out_unknown_batches_and_does_not_reach_the_encoder():
    torch.manual_seed(0)
    adv = BatchAdversary(4, 2)
    z = torch.randn(6, 4, requires_grad=True)
    batch = torch.tensor([0, 1, -1, -1, 0, 1])
    loss = adversary_step_loss(adv, z, batch)
    expected = torch.nn.functional.cross_entropy(adv(z[batch >= 0]), batch[batch >= 0])
    assert torch.allclose(loss, expected)
    loss.backward()
    assert z.grad is None  # the classifier's own loss trains only the classifier
    assert float(adversary_step_loss(adv, z, torch.full((6,), -1))) == 0.0


def test_fit_with_conditional_decoder_and_adversary_saves_and_reloads(mdata, tmp_path):
    cfg = JAEConfig(max_epochs=6, n_svd=20, decoder_batch=True, w_adversary=0.1)
    model = JAE(cfg, seed=1, device="cpu").fit(mdata, cell_type_key="ct_ref", progress_bar=False)
    pre = model.history[model.history["stage"] == "pretrain"]
    assert {"adversary", "adversary_fit"} <= set(pre.columns)
    assert np.isfinite(pre[["adversary", "adversary_fit"]].to_numpy()).all()
    assert model.network.n_condition == len(model.batches) == 2
    Z = model.embed(mdata, key_added=None)
    again = JAE.load(model.save(tmp_path / "m"), device="cpu").embed(mdata, key_added=None)
    np.testing.assert_array_equal(Z, again)


def test_finetune_passes_known_batches_to_the_decoder(mdata):
    cfg = JAEConfig(max_epochs=3, n_svd=20, decoder_batch=True)
    a = JAE(cfg, seed=1, device="cpu").fit(mdata, cell_type_key="ct_ref", finetune=False, progress_bar=False)
    b = JAE(cfg, seed=1, device="cpu").fit(mdata, cell_type_key="ct_ref", finetune=False, progress_bar=False)
    a.finetune(mdata, batch_key="batch", epochs=1, progress_bar=False)
    b.finetune(mdata, epochs=1, progress_bar=False)  # no batches: the decoder gets zeros
    assert not np.allclose(a.embed(mdata, key_added=None), b.embed(mdata, key_added=None))
    with pytest.raises(KeyError, match="nope"):
        a.finetune(mdata, batch_key="nope", epochs=1, progress_bar=False)
