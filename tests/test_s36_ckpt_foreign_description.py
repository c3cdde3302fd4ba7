"""Session 36 audit of model files: a folder holding another program's model.json (no format_version) beside a
weights.pt is named as not a jae model; it was told "model format_version None is not supported by jae ...; refit the
model or use the jae version that wrote it", though no jae version wrote it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.prediction import ModalityPredictor

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("load, source, writers", [
    (lambda p: JAE.load(p, device="cpu"), FIXTURES / "model_v6" / "model", "jae fit, jae map or JAE.save"),
    (lambda p: ModalityPredictor.load(p, device="cpu"), FIXTURES / "predictor_v6" / "knn",
     "ModalityPredictor.save or jae predict --save-model"),
])
def test_a_description_without_a_format_version_is_not_a_jae_model(tmp_path, load, source, writers):
    folder = tmp_path / "other"
    shutil.copytree(source, folder)
    (folder / "model.json").write_text(json.dumps({"architecture": "resnet18", "num_classes": 10}))
    with pytest.raises(ValueError) as err:
        load(folder)
    assert str(err.value) == (f"{folder / 'model.json'} has no format_version, which every jae model folder's has: it "
                              f"does not describe a jae model (another program's, or damaged); pass a folder written "
                              f"by {writers}")
