"""Session 36 audit of model files: a damaged model.json in a folder with a short name ('m') is refused in one line
naming model.json and the fix, as in any other folder, not with Python's own error (a traceback in the CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6"


def _damaged(folder: Path) -> Path:
    """A copy of the format 6 fixture at ``folder`` whose model.json's seed is a text (no fit writes one)."""
    shutil.copytree(FIXTURE / "model", folder)
    d = json.loads((folder / "model.json").read_text())
    d["seed"] = "abc"
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("name", ["m", "e", "t"])
def test_a_short_folder_name_found_in_pythons_message_is_still_named_as_damaged(tmp_path, monkeypatch, name):
    """The letters of 'seed must be an integer' hold 'm', 'e' and 't': the check that the folder was named already
    found them, and the TypeError went out as it was."""
    monkeypatch.chdir(tmp_path)
    _damaged(tmp_path / name)
    with pytest.raises(ValueError, match=rf"^{name}/model\.json has a malformed entry \(seed must be an integer"):
        JAE.load(name, device="cpu")


def test_the_cli_names_the_damaged_file_without_a_traceback(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    _damaged(tmp_path / "m")
    (tmp_path / "cells.h5mu").write_bytes(b"")  # never read: the model is refused first
    assert main(["-q", "embed", "--model", "m", "--h5mu", "cells.h5mu", "--out", "out.h5mu"]) == 1
    assert "m/model.json has a malformed entry" in caplog.text
