"""The network, its latent layout and each loss term, on hand-made tensors."""

from __future__ import annotations

import copy
import json
import math
import pickle
from dataclasses import replace

import numpy as np
import pytest
import torch

from jae import JAEConfig
from jae.model import JAENetwork, LatentLayout, jae_loss, uniform_cross_entropy


def test_layout_blocks_add_up_and_are_contiguous():
    layout = LatentLayout(n_cell_type=21, n_batch=5, n_phase=2, n_free=5)
    assert layout.dim == 33  # the seed's Multiome embedding: 5 + 21 + 5 + 2
    s = layout.slices()
    assert list(s) == ["cell_type", "batch", "phase", "free"]
    assert (s["cell_type"], s["batch"], s["phase"], s["free"]) == (slice(0, 21), slice(21, 26), slice(26, 28), slice(28, 33))
    assert LatentLayout(45, 6).dim == 58  # the seed's CITE-seq embedding


def test_layout_rejects_bad_sizes_and_names():
    with pytest.raises(ValueError, match="n_batch"):
        LatentLayout(n_cell_type=3, n_batch=-1)
    with pytest.raises(ValueError, match="no units"):
        LatentLayout(0, 0, 0, 0)
    with pytest.raises(KeyError, match="unknown latent block"):
        LatentLayout(2, 2).block("celltype")


def test_layout_column_names():
    names = LatentLayout(2, 1, 2, 1).column_names(["B", "T"], ["s1d1"])
    assert names == ["cell_type:B", "cell_type:T", "batch:s1d1", "phase:S", "phase:G2M", "free:0"]


def test_uniform_cross_entropy_is_minimal_at_uniform():
    k = 4
    assert float(uniform_cross_entropy(torch.zeros(3, k))) == pytest.approx(math.log(k), rel=1e-6)
    peaked = torch.tensor([[10.0, 0, 0, 0]])
    assert float(uniform_cross_entropy(peaked)) > math.log(k) + 1


def _loss_inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    layout = LatentLayout(3, 2, 2, 5)
    z = torch.randn(8, layout.dim, generator=g)
    x = torch.randn(8, 10, generator=g)
    recon = torch.randn(8, 10, generator=g)
    ct = torch.tensor([0, 1, 2, 0, 1, 2, -1, -1])
    phase = torch.randn(8, 2, generator=g)
    phase[0] = float("nan")
    return layout, z, recon, x, ct, phase


def test_loss_terms_match_their_definitions():
    cfg = JAEConfig()
    layout, z, recon, x, ct, phase = _loss_inputs()
    parts = jae_loss(z, recon, x, layout=layout, config=cfg, cell_type=ct, phase=phase)
    rec = torch.mean((recon - x) ** 2)
    lab = ct >= 0
    ce = torch.nn.functional.cross_entropy(z[lab, 0:3], ct[lab])  # unlabelled cells (-1) are left out
    p = torch.softmax(z[:, 3:5], dim=1)
    batch = -(torch.log(p) * 0.5).sum(dim=1).mean()  # cross-entropy against the uniform target
    ph = torch.mean((z[1:, 5:7] - phase[1:]) ** 2)  # the NaN row is left out
    assert float(parts["reconstruction"]) == pytest.approx(float(rec), rel=1e-5)
    assert float(parts["cell_type"]) == pytest.approx(float(ce), rel=1e-5)
    assert float(parts["batch"]) == pytest.approx(float(batch), rel=1e-5)
    assert float(parts["phase"]) == pytest.approx(float(ph), rel=1e-5)
    total = 0.7 * rec + 0.2 * ce + 0.05 * batch + 0.05 * ph
    assert float(parts["total"]) == pytest.approx(float(total), rel=1e-5)


def test_reconstruction_only_loss_for_finetuning():
    layout, z, recon, x, ct, phase = _loss_inputs()
    parts = jae_loss(z, recon, x, layout=layout, config=JAEConfig(), cell_type=ct, phase=phase, reconstruction_only=True)
    assert set(parts) == {"reconstruction", "total"}
    assert float(parts["total"]) == pytest.approx(0.7 * float(parts["reconstruction"]), rel=1e-6)


def test_network_shapes_and_gradients():
    net = JAENetwork(37, 15, hidden=(150, 120, 100), dropout=0.1, batch_norm=True)
    x = torch.randn(6, 37)
    z, recon = net(x)
    assert z.shape == (6, 15) and recon.shape == (6, 37)
    recon.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_config_validates_and_round_trips():
    cfg = JAEConfig(hidden=(64, 32), lr=3e-4)
    assert JAEConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="mode"):
        JAEConfig(mode="semi")
    with pytest.raises(ValueError, match="unknown JAEConfig fields"):
        JAEConfig.from_dict({"learning_rate": 1})
    assert JAEConfig().finetune_epochs("ATAC") == 2 and JAEConfig().finetune_epochs("ADT") == 1
    assert np.isclose(sum([cfg.w_reconstruction, cfg.w_cell_type, cfg.w_batch, cfg.w_phase]), 1.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_epochs="10"), r"max_epochs must be a whole number, not '10'"),
    (dict(n_svd=20.5), r"n_svd must be a whole number, not 20.5"),
    (dict(lr="1e-3"), r"lr must be a number, not '1e-3'"),
    (dict(hidden=256), r"hidden must be a sequence of layer widths, e.g. hidden=\(256, 128\), not 256"),
])
def test_config_values_of_the_wrong_type_name_the_field(kwargs, message):
    """max_epochs='10' failed with "'<' not supported between instances of 'str' and 'int'", hidden=256 with "'int'
    object is not iterable": neither named the setting."""
    with pytest.raises(TypeError, match=message):
        JAEConfig(**kwargs)
    numpy_numbers = JAEConfig(max_epochs=np.int64(3), lr=np.float32(1e-3), dropout=0)
    assert type(numpy_numbers.max_epochs) is int and type(numpy_numbers.lr) is float
    assert JAEConfig.from_dict(json.loads(numpy_numbers.to_json())) == numpy_numbers  # model.json can hold it


def test_a_misspelt_config_field_is_named_with_the_closest_fields():
    """JAEConfig(max_epoch=3) raised Python's bare "__init__() got an unexpected keyword argument 'max_epoch'": the
    fix (max_epochs) was left to the reader; `--set max_epoch=3` listed all 38 fields."""
    with pytest.raises(TypeError, match=r"^JAEConfig has no field 'max_epoch'; did you mean 'max_epochs'\?$"):
        JAEConfig(max_epoch=3)
    with pytest.raises(KeyError, match=r"no field 'finetune_epoch_adt'; did you mean 'finetune_epochs_adt'"):
        JAEConfig().with_overrides(["finetune_epoch_adt=2"])
    with pytest.raises(TypeError, match=r"^JAEConfig has no field 'zzz'; fields: axes_carry_min, batch_norm, "):
        JAEConfig(lr=1e-3, zzz=1)
    cfg = JAEConfig(max_epochs=4)  # the dataclass's own ways of making one still work
    assert copy.deepcopy(cfg) == cfg and pickle.loads(pickle.dumps(cfg)) == cfg
    assert replace(cfg, lr=1e-3) == JAEConfig(max_epochs=4, lr=1e-3) and JAEConfig("unsupervised").mode == "unsupervised"


def test_a_config_field_given_to_jae_names_the_config_call():
    """JAE(max_epochs=5) raised Python's bare "JAE.__init__() got an unexpected keyword argument 'max_epochs'", leaving
    the reader to find that settings go in a JAEConfig."""
    import inspect

    from jae import JAE

    with pytest.raises(TypeError, match=r"^max_epochs is a JAEConfig field, not an argument of JAE: pass "
                                        r"JAE\(JAEConfig\(max_epochs=5\)\)$"):
        JAE(max_epochs=5)
    with pytest.raises(TypeError, match=r"^max_epochs, lr are JAEConfig fields, not arguments of JAE: pass "
                                        r"JAE\(JAEConfig\(max_epochs=5, lr=0\.001\), seed=2\)$"):
        JAE(max_epochs=5, lr=1e-3, seed=2)
    with pytest.raises(TypeError, match=r"pass JAE\(dataclasses\.replace\(config, max_epochs=5\)\)$"):
        JAE(JAEConfig(), max_epochs=5)
    with pytest.raises(TypeError, match=r"^JAE has no argument 'max_epoch'; did you mean the JAEConfig field 'max_epochs'"):
        JAE(max_epoch=5)
    with pytest.raises(TypeError, match=r"^JAE has no argument 'seeds'; did you mean 'seed'\?$"):
        JAE(seeds=1)
    model = JAE(JAEConfig(max_epochs=3), seed=2, device="cpu")  # its own arguments still work
    assert model.config.max_epochs == 3 and model.seed == 2
    assert list(inspect.signature(JAE).parameters) == ["config", "seed", "device"]  # help() still shows them


def test_a_misspelt_predict_config_field_is_named_with_the_closest_fields():
    """jae.PredictConfig(max_epoch=3) still raised Python's bare "unexpected keyword argument" after JAEConfig's fix."""
    from jae import PredictConfig

    with pytest.raises(TypeError, match=r"^PredictConfig has no field 'max_epoch'; did you mean 'max_epochs'\?$"):
        PredictConfig(max_epoch=3)
    cfg = PredictConfig(max_epochs=4, n_members=1)
    assert copy.deepcopy(cfg) == cfg and pickle.loads(pickle.dumps(cfg)) == cfg
    assert replace(cfg, patience=3).patience == 3 and PredictConfig.from_dict(cfg.to_dict()) == cfg


def test_help_on_the_settings_classes_lists_their_fields():
    """inspect.signature (and so help()) showed JAEConfig(*args, **settings) and PredictConfig(*args, **settings), the
    misspelling check's __new__, instead of the fields a user can set."""
    import inspect
    import pydoc
    from dataclasses import MISSING, fields

    from jae import PredictConfig

    for cls in (JAEConfig, PredictConfig):
        params = inspect.signature(cls).parameters
        assert list(params) == [f.name for f in fields(cls)]
        assert all(params[f.name].default == f.default for f in fields(cls) if f.default is not MISSING)
    assert "max_epochs: 'int' = 500" in pydoc.render_doc(JAEConfig)


def test_config_overrides_from_strings_are_typed_and_checked():
    cfg = JAEConfig().with_overrides(["lr=3e-4", "hidden=256,128", "decoder_batch=true", "n_free=8", "mode=unsupervised"])
    assert (cfg.lr, cfg.hidden, cfg.decoder_batch, cfg.n_free, cfg.mode) == (3e-4, (256, 128), True, 8, "unsupervised")
    assert JAEConfig().with_overrides([]) == JAEConfig()
    assert JAEConfig(decoder_batch=True).with_overrides(["decoder_batch=no"]).decoder_batch is False
    with pytest.raises(KeyError, match="no field 'learning_rate'"):
        JAEConfig().with_overrides(["learning_rate=1"])
    with pytest.raises(ValueError, match="FIELD=VALUE"):
        JAEConfig().with_overrides(["lr"])
    with pytest.raises(ValueError, match="not a valid bool"):
        JAEConfig().with_overrides(["decoder_batch=maybe"])
    with pytest.raises(ValueError, match="not a valid int for n_free; write it as a whole number, e.g. n_free=30"):
        JAEConfig().with_overrides(["n_free=2.5"])
    # a width list as Python writes it (the message gave no form, so users tried this and were refused)
    assert JAEConfig().with_overrides(["hidden=[64, 32]"]).hidden == (64, 32)
    assert JAEConfig().with_overrides(["hidden=(64,32)"]).hidden == (64, 32)
    with pytest.raises(ValueError, match=r"write it as comma-separated whole numbers, e\.g\. hidden=150,120,100"):
        JAEConfig().with_overrides(["hidden=64;32"])
    with pytest.raises(ValueError, match="write it as true or false"):
        JAEConfig().with_overrides(["pca_init=maybe"])
    with pytest.raises(ValueError, match="lr must be positive"):
        JAEConfig().with_overrides(["lr=-1"])


def test_network_started_at_pca_is_that_pca():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 12)) @ rng.normal(size=(12, 12)) + 3.0  # uncentred, correlated features
    mean = X.mean(0)
    _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
    net = JAENetwork(12, 7, hidden=(16, 8), dropout=0.1, batch_norm=True, linear_path=True)
    net.start_at_pca(torch.tensor(mean, dtype=torch.float32), torch.tensor(vt[:4], dtype=torch.float32), slice(3, 7))
    z, recon = net.eval()(torch.tensor(X, dtype=torch.float32))
    scores = (X - mean) @ vt[:4].T
    np.testing.assert_allclose(z[:, 3:].detach().numpy(), scores, atol=1e-4)
    np.testing.assert_allclose(z[:, :3].detach().numpy(), 0.0, atol=1e-6)  # the supervised blocks start at 0
    np.testing.assert_allclose(recon.detach().numpy(), mean + scores @ vt[:4], atol=1e-4)  # the rank-4 PCA fit
    # training can leave the PCA: the zeroed non-linear branches still receive gradients
    net.train()
    _, recon = net(torch.tensor(X, dtype=torch.float32))
    ((recon - torch.tensor(X, dtype=torch.float32)) ** 2).mean().backward()
    assert float(net.to_latent.weight.grad[3:].abs().sum()) > 0
    assert float(net.decoder[-1].weight.grad.abs().sum()) > 0


def test_start_at_pca_checks_its_input():
    net = JAENetwork(12, 7, hidden=(8,), dropout=0.0, batch_norm=False)
    with pytest.raises(ValueError, match="linear_path=True"):
        net.start_at_pca(torch.zeros(12), torch.zeros(4, 12), slice(3, 7))
    net = JAENetwork(12, 7, hidden=(8,), dropout=0.0, batch_norm=False, linear_path=True)
    with pytest.raises(ValueError, match=r"expected \(4, 12\)"):
        net.start_at_pca(torch.zeros(12), torch.zeros(3, 12), slice(3, 7))


def test_layout_describes_its_blocks_in_words():
    from jae.model import LatentLayout

    assert LatentLayout(n_cell_type=8, n_batch=1, n_phase=2, n_free=30).describe() == (
        "8 cell types + 1 batch + 2 phase + 30 free")
    assert LatentLayout(n_cell_type=1, n_batch=12, n_phase=2, n_free=20).describe() == (
        "1 cell type + 12 batches + 2 phase + 20 free")
