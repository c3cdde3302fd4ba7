"""Arguments of the Python model API (JAE, ModalityPredictor, jae.predict, the simulator) and of the fit / predict /
simulate / demo CLIs: bad values are refused in one line naming the argument (the flag in the CLI), before any work
(seeded synthetic data, small models)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae import JAE
from jae.cli import main
from jae.datasets import simulate, write_simulated
from jae.prediction import ModalityPredictor


# ------------------------------------------------------------------------------------------------ seeds
def test_a_negative_seed_is_refused_naming_the_argument(tmp_path, monkeypatch):
    """seed=-1 was kept by JAE and ModalityPredictor (to fail in training) and reached numpy in the simulator, which
    said only 'expected non-negative integer'."""
    import jae

    def tripwire(*args, **kwargs):
        raise AssertionError("the demo simulated cells before its seed was checked")

    for make in (lambda s: JAE(seed=s), lambda s: ModalityPredictor(seed=s), lambda s: simulate(50, seed=s),
                 lambda s: write_simulated(tmp_path / "sim", n_cells=50, preset=None, seed=s, progress_bar=False),
                 lambda s: ModalityPredictor().fit(None, None, seed=s)):
        with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, not -1; e\.g\. seed=0$"):
            make(-1)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, not -3"):
        JAE(seed=np.int64(-3))
    monkeypatch.setattr("jae.datasets.simulate", tripwire)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        jae.run_demo(tmp_path / "demo", seed=-1, progress_bar=False)
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    """A tiny simulated pair in the competition layout (sim.mod1.h5ad, sim.mod2.h5ad)."""
    root = tmp_path_factory.mktemp("files")
    write_simulated(root / "sim", n_cells=60, preset=None, n_genes=200, n_peaks=90, seed=0, progress_bar=False)
    return root


@pytest.mark.parametrize("verb", ["fit", "predict", "simulate", "demo"])
def test_cli_refuses_a_negative_seed_naming_the_flag(verb, small_files, tmp_path, caplog):
    mod1, mod2 = small_files / "sim.mod1.h5ad", small_files / "sim.mod2.h5ad"
    argv = {
        "fit": ["fit", "--mod1", mod1, "--mod2", mod2, "--out", tmp_path / "model"],
        "predict": ["predict", "--train-mod1", mod1, "--train-mod2", mod2, "--test-mod1", mod1,
                    "--output", tmp_path / "pred.h5ad"],
        "simulate": ["simulate", tmp_path / "sim", "--n-cells", "50", "--preset", "none"],
        "demo": ["demo", "--out", tmp_path / "demo"],
    }[verb]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", *map(str, argv), "--seed", "-1"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--seed must be an integer >= 0, not -1; e.g. --seed 0"]
    assert not list(tmp_path.iterdir())
