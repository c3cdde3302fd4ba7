"""Session 37 (polmod): every message about a damaged model folder ends with the fix, in one wording defined once
(``jae.checkpoint.checks.damaged_folder``). A model.json that is not a JSON object, category lists that disagree with
the latent layout or with their numeric values, and a weights file lacking the calibration tensors its model.json
describes said "the model folder is damaged" and stopped there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.checkpoint import read_model_folder

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"
SRC = Path(__file__).parents[1] / "src" / "jae"
FIX = r"; the model folder is damaged: copy it again or refit the model$"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    return folder


def _edited(tmp_path: Path, edit) -> Path:
    folder = _copy(tmp_path)
    d = json.loads((folder / "model.json").read_text())
    edit(d)
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("kind, refit", [("jae", "refit the model"), ("predictor", "refit the predictor")])
def test_model_json_that_is_not_an_object_names_the_fix(tmp_path, kind, refit):
    folder = _copy(tmp_path)
    (folder / "model.json").write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match=rf"not a JSON object\); the model folder is damaged: copy it again or {refit}$"):
        read_model_folder(folder, kind=kind)


@pytest.mark.parametrize("edit, what", [
    (lambda d: d["categories"].__setitem__("cell_type", ["A", "B", "C", "D"]), "do not match the latent layout"),
    (lambda d: d["categories"].__setitem__("cell_type_values", [1, 2, 3]), "cell_type_values do not match"),
])
def test_categories_that_disagree_name_the_fix(tmp_path, edit, what):
    folder = _edited(tmp_path, edit)
    with pytest.raises(ValueError, match=rf"{what}.*{FIX}"):
        JAE.load(folder, device="cpu")


def test_missing_calibration_tensors_name_the_fix(tmp_path):
    import torch

    folder = _copy(tmp_path)
    tensors = torch.load(folder / "weights.pt", weights_only=True)
    del tensors["calibration.spreads"]
    torch.save(tensors, folder / "weights.pt")
    with pytest.raises(ValueError, match=rf"lacks the calibration tensors .*{FIX}"):
        JAE.load(folder, device="cpu")


def test_the_damaged_wording_is_written_once():
    """One definition: a message written out by hand is the one that lost its fix."""
    hits = [(p.name, line) for p in SRC.rglob("*.py") for line in p.read_text().splitlines()
            if "folder is damaged: copy it" in line]
    assert len(hits) == 1, hits


@pytest.mark.parametrize("part", ["voters", "calibration_cells"])
def test_misshapen_voters_name_the_fix(tmp_path, part):
    import torch

    folder = _copy(tmp_path)
    tensors = torch.load(folder / "weights.pt", weights_only=True)
    tensors[f"{part}.features"] = tensors[f"{part}.features"][:, :-1].clone()  # one column short of n_input
    torch.save(tensors, folder / "weights.pt")
    with pytest.raises(ValueError, match=rf"{part.replace('_', ' ')} tensors are misshapen{FIX}"):
        JAE.load(folder, device="cpu")
