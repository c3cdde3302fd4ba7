"""Session 36 audit of model files: a model.json whose unknown-call threshold reads NaN (no fit writes one; an
infinite one is a calibration without held-out cells) is refused at load in one line naming model.json and the fix;
it loaded, and the unknown calls changed silently (NaN compares False)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def _edited(folder: Path, key: str, value: float) -> Path:
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    d["calibration"][key] = value
    (folder / "model.json").write_text(json.dumps(d))  # NaN written as NaN, which json.loads reads back
    return folder


@pytest.mark.parametrize("key", ["confidence_threshold", "distance_threshold", "score_threshold"])
def test_a_nan_threshold_is_refused(tmp_path, key):
    folder = _edited(tmp_path / "model", key, float("nan"))
    with pytest.raises(ValueError, match=rf"model\.json: calibration\.{key} is nan, which no fit writes; the model "
                                         r"folder is damaged: copy it again or refit the model$"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("key", ["distance_threshold", "score_threshold"])
def test_an_infinite_threshold_still_loads(tmp_path, key):
    """A calibration without held-out cells has infinite thresholds: a valid file."""
    folder = _edited(tmp_path / "model", key, float("inf"))
    assert getattr(JAE.load(folder, device="cpu").calibration, key) == float("inf")
