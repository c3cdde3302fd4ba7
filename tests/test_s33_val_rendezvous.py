"""WORLD_SIZE > 1 without MASTER_ADDR / MASTER_PORT (a hand-set launch, not torchrun) failed with torch's rendezvous
error only when training started, after ``jae fit``'s preprocessing; it is now refused in one line naming torchrun,
before any work, by the fits (which train data-parallel) and by ``data_parallel``; ``jae predict`` and the checks of
WORLD_SIZE / RANK alone read as before."""

from __future__ import annotations

import pytest
import torch

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.preprocess import pipeline
from jae.train.distributed import data_parallel, is_writer

SAID = r"sets no MASTER_ADDR or MASTER_PORT, which they need to find each other: launch with torchrun"


@pytest.fixture
def hand_set(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "JAE_DISTRIBUTED", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("preprocessing ran before the check"))


@pytest.fixture(scope="module")
def cite():
    return simulate(200, kind="cite", n_genes=200, n_proteins=20, n_cell_types=3, n_batches=2, seed=5)


def test_data_parallel_refuses_before_the_rendezvous(hand_set, monkeypatch):
    with pytest.raises(ValueError, match=SAID):
        data_parallel(torch.device("cpu"))
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    with pytest.raises(ValueError, match=r"sets no MASTER_PORT, which"):
        data_parallel(torch.device("cpu"))
    monkeypatch.setenv("JAE_DISTRIBUTED", "0")  # turned off: every process trains alone
    assert data_parallel(torch.device("cpu")) is None and is_writer()


def test_fit_refuses_before_preprocessing(hand_set, cite):
    with pytest.raises(ValueError, match=SAID):
        jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(cite, batch_key="batch", cell_type_key="cell_type")


def test_cli_fit_says_it_in_one_line_before_preprocessing(hand_set, cite, tmp_path, caplog, capsys):
    path = tmp_path / "d.h5mu"
    cite.write(path)
    assert main(["fit", "--h5mu", str(path), "--batch-key", "batch", "--cell-type-key", "cell_type",
                 "--max-epochs", "1", "--out", str(tmp_path / "m")]) != 0
    text = capsys.readouterr().err + caplog.text
    assert "launch with torchrun" in text and "MASTER_ADDR" in text and "Traceback" not in text
    assert not (tmp_path / "m").exists()
