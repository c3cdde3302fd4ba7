"""Session 36 audit of model files: a model.json whose network widths or latent sizes were edited far beyond its
weights (a width of 10**12) is refused by comparing shapes before the network is built; the network was built first,
and its allocation failed with torch's "DefaultCPUAllocator: can't allocate memory: you tried to allocate
100000000000000 bytes" (a width of 10**9 allocated 80 GB first, on a machine that had them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


@pytest.mark.parametrize("edit", [lambda d: d["config"]["hidden"].__setitem__(0, 10**12),
                                  lambda d: d["layout"].__setitem__("n_free", 10**12)])
def test_sizes_no_weights_have_are_refused_before_the_network_is_built(tmp_path, edit):
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    edit(d)
    (folder / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"weights\.pt does not match .*model\.json \(missing, unexpected or misshapen "
                                         r"tensors\); the two files come from different models"):
        JAE.load(folder, device="cpu")


def test_loading_leaves_the_callers_random_numbers_as_they_were():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    JAE.load(FIXTURE, device="cpu")
    assert torch.equal(torch.rand(3), expected)
