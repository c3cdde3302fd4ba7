"""Session 36 audit of model files: a path beginning with '~name' where no user 'name' exists ('~models/ref', a typo
of '~/models/ref', or a folder named '~ref') failed JAE.load, JAE.save and jae embed --model with pathlib's
"RuntimeError: Could not determine home directory" (a traceback); it is now kept as written, as a shell keeps it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def test_a_missing_folder_of_no_user_is_said_to_be_missing(tmp_path, monkeypatch, no_user):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=rf"^{no_user}/model does not exist; pass the folder a model was saved"):
        JAE.load(f"{no_user}/model", device="cpu")


def test_a_folder_named_with_a_tilde_is_saved_and_loaded_as_written(tmp_path, monkeypatch, no_user):
    monkeypatch.chdir(tmp_path)
    JAE.load(FIXTURE, device="cpu").save(f"{no_user}/model")
    assert (tmp_path / no_user / "model" / "model.json").is_file()
    assert JAE.load(f"{no_user}/model", device="cpu").cell_types


def test_the_cli_says_it_in_one_line(tmp_path, monkeypatch, caplog, no_user):
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURE / "model.json", tmp_path / "cells.h5mu")  # never read: the model is refused first
    assert main(["-q", "embed", "--model", no_user, "--h5mu", "cells.h5mu", "--out", "out.h5mu"]) == 1
    assert f"{no_user} does not exist" in caplog.text
