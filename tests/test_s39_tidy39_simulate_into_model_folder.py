"""Session 39: jae simulate OUT (jae.datasets.write_simulated), OUT inside a saved model's folder, wrote the simulated
files there, after which 'jae fit --out FOLDER --overwrite' refused the folder for the stray files; every other verb
refuses an output inside a model folder since session 38. It is refused now, before the design is made, in the same
words, with OUT named as the CLI calls it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from jae.datasets import write_simulated

MODEL = Path(__file__).parent / "fixtures" / "model_v6" / "model"
SAID = (r"lies inside .*m, a model folder \(model\.json and weights\.pt\), which only jae fit, jae map and jae predict "
        r"--save-model write \(a stray file there stops them replacing it with {}\): choose another {} outside it$")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    shutil.copytree(MODEL, tmp_path / "m")
    monkeypatch.setattr("jae.datasets.write.make_design", lambda *a, **k: 1 / 0)  # reached: refused too late
    return tmp_path / "m"


@pytest.mark.parametrize("name, fmt", [("sim", "h5ad-pair"), ("sim.h5mu", "h5mu")])
def test_write_simulated_refuses_a_path_in_a_model_folder(folder, name, fmt):
    with pytest.raises(ValueError, match=r"^path .*m/sim\.(mod1\.h5ad|h5mu) " + SAID.format("overwrite=True", "path")):
        write_simulated(folder / name, n_cells=50, format=fmt, overwrite=True, progress_bar=False)
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.pt"]


def test_the_cli_names_out(folder, caplog):
    from jae.cli import main

    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["simulate", str(folder / "sim"), "--n-cells", "50"]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    assert said[0].startswith(f"OUT {folder / 'sim.mod1.h5ad'} lies inside"), said
    assert said[0].endswith("replacing it with --overwrite): choose another OUT outside it"), said
