"""Session 36 audit of model files: a model folder of a newer format says how to upgrade jae in a way that works. jae
is installed from its repository (install.sh), not from PyPI, where 'pip install -U jae', which the message advised,
finds no such package."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.checkpoint import FORMAT_VERSION
from jae.prediction import ModalityPredictor

FIXTURES = Path(__file__).parent / "fixtures"


def _newer(source: Path, folder: Path, **extra) -> Path:
    shutil.copytree(source, folder)
    d = json.loads((folder / "model.json").read_text())
    d.update(format_version=FORMAT_VERSION + 1, **extra)
    (folder / "model.json").write_text(json.dumps(d))
    return folder


def test_a_newer_model_names_the_version_to_install_and_how(tmp_path):
    folder = _newer(FIXTURES / "model_v6" / "model", tmp_path / "m", jae_version="9.1.0")
    with pytest.raises(ValueError) as err:
        JAE.load(folder, device="cpu")
    assert "pip install" not in str(err.value)
    assert str(err.value).endswith("upgrade jae to 9.1.0 or later (update the jae repository and run its install.sh "
                                   "again) or refit the model")


def test_a_newer_predictor_without_a_jae_version_says_it_too(tmp_path):
    folder = _newer(FIXTURES / "predictor_v6" / "knn", tmp_path / "p")
    d = json.loads((folder / "model.json").read_text())
    d.pop("jae_version")
    (folder / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"written by jae \(unknown\), .*; upgrade jae \(update the jae repository and "
                                         r"run its install\.sh again\) or refit the predictor$"):
        ModalityPredictor.load(folder, device="cpu")
