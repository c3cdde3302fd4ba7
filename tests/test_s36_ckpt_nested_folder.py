"""Session 36 audit of model files: a folder holding a model folder one level down (cp -r model into an existing
folder, an archive unpacked into a folder of its name) was refused as 'not a jae model folder: expected model.json
and weights.pt in it', leaving the user to find the model inside; the message now names it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.cli import main
from jae.prediction import ModalityPredictor

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_model_folder_one_level_down_is_named(tmp_path):
    shutil.copytree(FIXTURES / "model_v6" / "model", tmp_path / "models" / "model")
    with pytest.raises(FileNotFoundError, match=r"models is not a jae model folder: expected model\.json and "
                                                r"weights\.pt in it; it holds one: pass .*models/model$"):
        JAE.load(tmp_path / "models", device="cpu")


def test_a_predictor_folder_one_level_down_is_named(tmp_path):
    shutil.copytree(FIXTURES / "predictor_v6" / "knn", tmp_path / "p" / "knn")
    with pytest.raises(FileNotFoundError, match=r"; it holds one: pass .*p/knn$"):
        ModalityPredictor.load(tmp_path / "p", device="cpu")


def test_two_model_folders_down_are_not_guessed_between(tmp_path):
    for name in ("a", "b"):
        shutil.copytree(FIXTURES / "model_v6" / "model", tmp_path / "models" / name)
    with pytest.raises(FileNotFoundError, match=r"models is not a jae model folder: expected model\.json and "
                                                r"weights\.pt in it$"):
        JAE.load(tmp_path / "models", device="cpu")


def test_the_cli_names_it_too(tmp_path, caplog):
    shutil.copytree(FIXTURES / "model_v6" / "model", tmp_path / "models" / "model")
    (tmp_path / "cells.h5mu").write_bytes(b"")  # never read: the model is refused first
    assert main(["-q", "embed", "--model", str(tmp_path / "models"), "--h5mu", str(tmp_path / "cells.h5mu"),
                 "--out", str(tmp_path / "out.h5mu")]) == 1
    assert f"it holds one: pass {tmp_path / 'models' / 'model'}" in caplog.text
