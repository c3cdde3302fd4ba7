"""Session 36 audit of model files: a model.json whose count (held-out cells, voters, calibration cells) reads
Infinity, which Python's json reads as a float, is refused in one line naming model.json and the fix, not with
Python's OverflowError (a traceback in the CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def _edited(folder: Path, part: str, key: str) -> Path:
    shutil.copytree(FIXTURE, folder)
    text = (folder / "model.json").read_text()
    d = json.loads(text)
    d[part][key] = float("inf")
    (folder / "model.json").write_text(json.dumps(d))  # written as Infinity, which json.loads reads back as inf
    return folder


@pytest.mark.parametrize("part, key", [("calibration", "n_heldout"), ("voters", "n_voters"),
                                       ("calibration_cells", "n_cells")])
def test_an_infinite_count_is_named_as_a_malformed_entry(tmp_path, part, key):
    folder = _edited(tmp_path / "model", part, key)
    with pytest.raises(ValueError, match=r"model\.json has a malformed entry \(cannot convert float infinity to "
                                         r"integer\); the model folder is damaged: copy it again or refit the model$"):
        JAE.load(folder, device="cpu")


def test_the_cli_says_it_in_one_line(tmp_path, caplog):
    folder = _edited(tmp_path / "model", "calibration", "n_heldout")
    (tmp_path / "cells.h5mu").write_bytes(b"")  # never read: the model is refused first
    assert main(["-q", "embed", "--model", str(folder), "--h5mu", str(tmp_path / "cells.h5mu"),
                 "--out", str(tmp_path / "out.h5mu")]) == 1
    assert "model.json has a malformed entry (cannot convert float infinity to integer)" in caplog.text
