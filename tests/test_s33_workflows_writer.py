"""jae.map_files / jae.embed_files: what a process reports as written, and a bad memory budget refused before the
model is loaded (session 33)."""

from __future__ import annotations

import pytest

import jae
from jae.io import InputFiles


@pytest.fixture
def files(own_cite_model, tmp_path):
    folder, model = own_cite_model("workflows_writer")
    query = jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=7)
    query.obs["batch"] = "new"
    for name in query.mod:
        query.mod[name].obs["batch"] = "new"
    query.write(tmp_path / "q.h5mu")
    return folder / "model", InputFiles(h5mu=tmp_path / "q.h5mu")


@pytest.mark.parametrize("rank", ["0", "1"])
def test_map_and_embed_list_only_what_this_process_wrote(files, tmp_path, monkeypatch, rank):
    """Under torchrun process 0 alone writes; the other processes' results listed the outputs as written all the same
    (a script reading ``result.written[0]`` there found no file). Their ``written`` is now empty, as fit_files'."""
    model, inputs = files
    for name in ("LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    mapped, emb = tmp_path / "mapped", tmp_path / "emb.h5ad"
    m = jae.map_files(inputs, model, mapped, epochs=0, device="cpu", progress_bar=False)
    e = jae.embed_files(inputs, model, emb, finetune_epochs=0, device="cpu", progress_bar=False)
    if rank == "0":
        assert m.written == (mapped,) and mapped.is_dir()
        assert e.written == (emb,) and emb.is_file()
    else:
        assert m.written == () and not mapped.exists()
        assert e.written == () and not emb.exists()


def test_embed_refuses_a_bad_memory_budget_before_loading_the_model(tmp_path):
    """``jae embed --memory-budget banana`` loaded the model first (fit and map refuse it before any work)."""
    with pytest.raises(ValueError, match="banana"):
        jae.embed_files(InputFiles(h5mu=tmp_path / "q.h5mu"), tmp_path / "no_such_model", tmp_path / "e.h5ad",
                        memory_budget="banana", device="cpu")
