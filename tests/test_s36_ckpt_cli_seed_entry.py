"""Session 36 audit of model files: jae embed --model of a model.json whose seed is malformed said "(seed must be an
integer >= 0, not -1; e.g. --seed 0)": the CLI's words for the Python example 'seed=0', a flag that fixes nothing
there (jae embed --seed seeds the fine-tuning, not the saved model). The example is now the entry as model.json
holds it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jae.cli import main
from jae.cli._messages import cli_message

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def test_the_cli_gives_the_seed_of_a_damaged_model_json_as_its_entry(tmp_path, caplog):
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    d["seed"] = -1
    (folder / "model.json").write_text(json.dumps(d))
    (tmp_path / "cells.h5mu").write_bytes(b"")  # never read: the model is refused first
    assert main(["-q", "embed", "--model", str(folder), "--h5mu", str(tmp_path / "cells.h5mu"),
                 "--out", str(tmp_path / "out.h5mu")]) == 1
    assert 'model.json has a malformed entry (seed must be an integer >= 0, not -1; e.g. "seed": 0); the model ' \
           "folder is damaged" in caplog.text
    assert "--seed" not in caplog.text


def test_a_seed_argument_is_still_named_as_the_flag():
    assert cli_message("seed must be an integer >= 0, not -1; e.g. seed=0") == "--seed must be an integer >= 0, not -1; " \
                                                                                  "e.g. --seed 0"
