"""Session 37 (polmod): a model folder whose model.json names a model_kind this jae does not know (a newer jae's, or an
edit) was refused with "holds a 'foo' model, not a 'jae' one; it was written by another jae version" and no fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE
from jae.cli import main
from jae.checkpoint import read_model_folder

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "model"
    shutil.copytree(FIXTURE, out)
    d = json.loads((out / "model.json").read_text())
    d["model_kind"] = "segmenter"
    (out / "model.json").write_text(json.dumps(d))
    return out


def test_unknown_model_kind_names_the_fix(folder):
    with pytest.raises(ValueError, match=r"holds a 'segmenter' model, not a 'jae' one; it was written by another jae "
                                         r"version or edited: upgrade jae .*, copy the folder again or refit the model$"):
        JAE.load(folder, device="cpu")
    with pytest.raises(ValueError, match=r"copy the folder again or refit the predictor$"):
        read_model_folder(folder, kind="predictor")


def test_cli_names_its_verb(folder, tmp_path, caplog):
    from jae.datasets import simulate

    simulate(40, n_genes=200, n_peaks=50, n_cell_types=2, n_batches=1, seed=0).write(tmp_path / "cells.h5mu")
    assert main(["-q", "embed", "--model", str(folder), "--h5mu", str(tmp_path / "cells.h5mu"),
                 "--out", str(tmp_path / "out.h5mu")]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].endswith("copy the folder again or refit it with jae fit")
