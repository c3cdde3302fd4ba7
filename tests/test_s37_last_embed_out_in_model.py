"""Session 37: jae embed --out inside the --model folder was accepted; the stray file it left there made a later
'jae fit --out MODEL --overwrite' refuse the folder. It is refused before any work, as jae map refuses it."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


@pytest.mark.parametrize("flag", ["--out", "--labels-out"])
def test_embed_refuses_an_output_inside_the_model_folder(own_cite_model, tmp_path, caplog, monkeypatch, flag):
    folder = own_cite_model(f"s37_last_embed{flag}")[0] / "model"
    data = tmp_path / "q.h5mu"
    simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2).write(data)
    before = sorted(p.name for p in folder.iterdir())
    loaded = []
    monkeypatch.setattr(jae.JAE, "load", classmethod(lambda cls, *a, **k: loaded.append(a) or 1 / 0))
    inside = folder / ("x.h5ad" if flag == "--out" else "labels.csv")
    args = ["-q", "embed", "--model", str(folder), "--h5mu", str(data), "--device", "cpu"]
    args += ["--out", str(inside)] if flag == "--out" else ["--out", str(tmp_path / "e.h5ad"), flag, str(inside)]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "\n" not in said[0] and not any(r.exc_info for r in caplog.records), said
    err = said[0]
    assert f"{flag} {inside} lies inside the model folder" in err and f"choose a path for {flag} outside it" in err
    assert not loaded  # refused before the model is read
    assert sorted(p.name for p in folder.iterdir()) == before and not (tmp_path / "e.h5ad").exists()


def test_embed_still_writes_next_to_the_model_folder(own_cite_model, tmp_path):
    folder = own_cite_model("s37_last_embed_ok")[0] / "model"
    data = tmp_path / "q.h5mu"
    simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2).write(data)
    out = folder.parent / "beside.h5ad"
    jae.embed_files(jae.io.InputFiles(h5mu=data), folder, out, finetune_epochs=0, progress_bar=False)
    assert out.is_file()
