"""A saved 'jae' predictor whose model.json says n_members 0 (its weights holding no network) was refused with "it
holds 0 networks, model.json's n_members says 0", two counts that agree given as a disagreement. It now says what is
wrong: n_members 0, where a 'jae' predictor holds 1 network or more. A count the weights disagree with keeps its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae.prediction import ModalityPredictor

FIXTURE = Path(__file__).parent / "fixtures" / "predictor_v6" / "jae"


def _with_members(tmp_path: Path, n, keep_networks: bool) -> Path:
    import torch

    folder = tmp_path / "jae"
    shutil.copytree(FIXTURE, folder)
    meta = json.loads((folder / "model.json").read_text())
    meta["n_members"] = n
    (folder / "model.json").write_text(json.dumps(meta))
    if not keep_networks:
        tensors = torch.load(folder / "weights.pt", weights_only=True)
        tensors = {k: v for k, v in tensors.items() if not k.startswith("net")}
        torch.save(tensors, folder / "weights.pt")
    return folder


@pytest.mark.parametrize("n, keep", [(0, False), (0, True), (-1, True)])
def test_no_network_is_said_plainly(tmp_path, n, keep):
    with pytest.raises(ValueError) as err:
        ModalityPredictor.load(_with_members(tmp_path, n, keep), device="cpu")
    message = str(err.value)
    assert f"its n_members is {n}, where a 'jae' predictor holds 1 network or more" in message
    assert "networks, model.json's n_members says" not in message


def test_a_count_the_weights_disagree_with_is_still_a_mismatch(tmp_path):
    meta = json.loads((FIXTURE / "model.json").read_text())
    n = meta["n_members"] + 1
    with pytest.raises(ValueError, match=rf"does not match .*it holds {n - 1} networks, model\.json's n_members says {n}"):
        ModalityPredictor.load(_with_members(tmp_path, n, True), device="cpu")
