"""jae embed --seed N with a model fitted with --set finetune_epochs_atac=0 (its default fine-tuning: none) took the
seed and used it for nothing, while --finetune-epochs 0 --seed N and a mapped model with --seed N are refused as
'which ... skips'; it is now refused the same way, naming the model's setting, before any cell is read. With
--finetune-epochs N the seed is taken as before."""

from __future__ import annotations

import logging

import pytest

from jae import JAE, JAEConfig
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def no_finetune(tmp_path_factory):
    d = tmp_path_factory.mktemp("no_finetune")
    m = simulate(80, kind="multiome", n_genes=200, n_peaks=100, n_cell_types=3, n_batches=2, seed=0)
    config = JAEConfig(max_epochs=1, n_svd=10, finetune_epochs_atac=0)
    JAE(config, seed=0, device="cpu").fit(m, progress_bar=False).save(d / "model")
    m.write(d / "x.h5mu")
    return d


def test_seed_for_a_model_that_fine_tunes_nothing_is_refused(no_finetune, caplog):
    d = no_finetune
    argv = ["-q", "embed", "--model", str(d / "model"), "--h5mu", str(d / "x.h5mu"), "--seed", "3", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*argv, "--out", str(d / "a.h5mu")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(said) == 1 and "finetune_epochs_atac=0" in said[0] and "drop --seed" in said[0], said
    assert not (d / "a.h5mu").exists()
    assert main([*argv, "--finetune-epochs", "1", "--out", str(d / "b.h5mu")]) == 0
