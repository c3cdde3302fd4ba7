"""Under ``torchrun`` only process 0 writes, but ``jae embed`` and ``jae predict`` had every other process write each
output in full to a hidden temporary beside it and then delete it: with ``--out x.h5mu`` that is a copy of the input
MuData per process (eight GPUs: eight copies on the disk at once, and the time to write them). The other processes
now write nothing."""

from __future__ import annotations

import pytest

import jae
from jae.datasets import simulate
from jae.io import atomic
from jae.io.inputs import InputFiles


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s36tmp")
    m = simulate(120, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=0)
    jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(m, progress_bar=False).save(
        folder / "model")
    m.write(folder / "data.h5mu")
    m["rna"].write_h5ad(folder / "rna.h5ad")
    m["prot"].write_h5ad(folder / "prot.h5ad")
    return folder


@pytest.fixture
def process_1(monkeypatch):
    """This process as process 1 of a two-process torchrun launch; records every temporary written and removed."""
    for name in ("LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    removed = []
    remove = atomic._remove_temporary

    def spy(tmp):
        if tmp.exists():
            removed.append(tmp.name)
        remove(tmp)

    monkeypatch.setattr(atomic, "_remove_temporary", spy)
    return removed


def test_process_1_writes_no_copy_of_the_embedding_output(files, process_1, tmp_path):
    out = tmp_path / "e.h5mu"
    result = jae.embed_files(InputFiles(h5mu=files / "data.h5mu"), files / "model", out,
                             labels_out=tmp_path / "l.csv", finetune_epochs=0)
    assert result.embedding.shape[0] == 120 and result.written == ()
    assert process_1 == [] and sorted(p.name for p in tmp_path.iterdir()) == []


def test_process_1_writes_no_copy_of_the_prediction(files, process_1, tmp_path):
    result = jae.predict_files(files / "rna.h5ad", files / "prot.h5ad", files / "rna.h5ad", tmp_path / "p.h5ad",
                               method="mean")
    assert result.prediction.n_obs == 120 and result.written == ()
    assert process_1 == [] and sorted(p.name for p in tmp_path.iterdir()) == []
