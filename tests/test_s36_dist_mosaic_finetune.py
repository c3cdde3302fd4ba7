"""``torchrun ... jae embed`` of cells measured in RNA alone fine-tunes them (the default --finetune-epochs), which
runs in one process; it was refused with the mosaic fit's words, 'fitting on mosaic data (cells missing a modality)
runs in one process; run it without torchrun (or fit on the paired cells only)': the user fitted nothing, and
fitting on paired cells does not place RNA-only cells. The refusal now names the fine-tuning and a fix that works
under torchrun: --finetune-epochs 0 (Python: embed without finetune)."""

from __future__ import annotations

import logging

import mudata as md
import pytest
import torch

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.train import distributed
from jae.train.distributed import DataParallel


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    m = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=0)
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(m, progress_bar=False)
    folder = tmp_path_factory.mktemp("s36mos")
    model.save(folder / "model")
    rna = md.MuData({"rna": m["rna"][:60].copy()})
    rna.write(folder / "rna.h5mu")
    return model, rna, folder


@pytest.fixture
def two_processes(monkeypatch):
    """Training sees a data-parallel run of two processes (as under torchrun, without making a process group)."""
    monkeypatch.setattr(distributed, "data_parallel", lambda device: DataParallel(0, 2, torch.device("cpu")))


def test_finetuning_rna_alone_under_torchrun_names_the_fine_tuning(fitted, two_processes):
    model, rna, _ = fitted
    with pytest.raises(ValueError, match=r"^fine-tuning on cells missing a modality \(e\.g\. RNA alone\) runs in one "
                                         r"process; run it without torchrun, or embed these cells without fine-tuning"):
        model.finetune(rna, epochs=1, progress_bar=False)


def test_jae_embed_under_torchrun_says_finetune_epochs_0(fitted, two_processes, caplog, tmp_path):
    _, _, folder = fitted
    argv = ["embed", "--h5mu", str(folder / "rna.h5mu"), "--model", str(folder / "model"), "--device", "cpu", "-q"]
    with caplog.at_level(logging.ERROR):
        assert main(argv + ["--out", str(tmp_path / "e.h5ad"), "--finetune-epochs", "1"]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said == ["fine-tuning on cells missing a modality (e.g. RNA alone) runs in one process; run it without "
                    "torchrun, or embed these cells without fine-tuning (--finetune-epochs 0)"], said
    assert main(argv + ["--out", str(tmp_path / "e0.h5ad"), "--finetune-epochs", "0"]) == 0  # the fix named works
    assert (tmp_path / "e0.h5ad").is_file()
