"""fit, finetune and map_query seed only the generators they fork and put back: never every GPU's.

They seeded torch with ``torch.manual_seed(model.seed)`` inside ``torch.random.fork_rng(devices=[the model's GPU])``.
``torch.manual_seed`` also seeds every CUDA device's generator (queued until CUDA starts, when it has not yet), and
the fork put back only the CPU's and the model's GPU's: a model on the CPU, or on ``cuda:0`` of a machine with
several GPUs, reseeded a user's other GPUs with the model's seed, and replaced a ``torch.manual_seed`` the user had
called before CUDA started. These tests run on the CPU: a stand-in records any call that seeds every GPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jae import JAE, JAEConfig
from jae.train.loop import seeded_rng


@pytest.fixture
def gpu_seeds(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", lambda seed: calls.append(("all", int(seed))))
    monkeypatch.setattr(torch.cuda, "manual_seed", lambda seed: calls.append(("current", int(seed))))
    return calls


def test_fit_finetune_and_map_query_on_the_cpu_seed_no_gpu(query_mdata, gpu_seeds):
    ref = query_mdata[query_mdata.obs["ct_ref"].notna().to_numpy()].copy()
    query = query_mdata[query_mdata.obs["ct_ref"].isna().to_numpy()].copy()
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=4, device="cpu")
    model.fit(ref, cell_type_key="ct_ref", progress_bar=False)
    assert gpu_seeds == [], "fit seeded every GPU's generator"
    mapped = model.map_query(query, epochs=1, progress_bar=False)
    assert gpu_seeds == [], "map_query seeded every GPU's generator"
    mapped.finetune(query, epochs=1, progress_bar=False)
    assert gpu_seeds == [], "finetune seeded every GPU's generator"


def test_seeded_rng_seeds_the_cpu_generator_and_puts_it_back(gpu_seeds):
    torch.manual_seed(123)
    expected_after = torch.rand(2)
    torch.manual_seed(123)
    gpu_seeds.clear()
    with seeded_rng(torch.device("cpu"), 9):
        inside = torch.rand(3)
    assert gpu_seeds == []  # no GPU's generator seeded
    assert torch.equal(torch.rand(2), expected_after)  # the caller's stream goes on where it was
    torch.manual_seed(9)
    assert torch.equal(inside, torch.rand(3))  # inside: the stream torch.manual_seed(9) starts


def test_same_seed_same_weights_through_seeded_rng():
    """The block draws what ``torch.manual_seed(seed)`` would have drawn on the CPU (the old path), so fits keep their
    numbers bit for bit."""
    torch.manual_seed(5)
    old = torch.nn.Linear(7, 3).weight.detach().clone()
    with seeded_rng("cpu", 5):
        new = torch.nn.Linear(7, 3).weight.detach().clone()
    assert np.array_equal(old.numpy(), new.numpy())
