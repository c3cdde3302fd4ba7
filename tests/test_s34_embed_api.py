"""Session 34 audit of jae embed / jae.embed_files / JAE.embed, as a user runs them on a model fitted earlier."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.io import InputFiles


@pytest.mark.parametrize("name", ["labels_out", "impute_out"])
@pytest.mark.parametrize("bad", [123, 1.5])
def test_embed_files_names_an_output_argument_that_is_not_a_path(tmp_path, name, bad):
    """embed_files(..., labels_out=123) said 'path must be a path (str or pathlib.Path), not int 123', naming no
    argument (out, the model and the inputs were named); the argument is now named, before the model is read."""
    with pytest.raises(TypeError) as err:
        jae.embed_files(InputFiles(h5mu=tmp_path / "q.h5mu"), tmp_path / "no_model", tmp_path / "emb.h5ad",
                        progress_bar=False, **{name: bad})
    assert str(err.value) == f"{name} must be a path (str or pathlib.Path), not {type(bad).__name__} {bad!r}"
    assert not list(tmp_path.iterdir())


def test_jae_embed_of_one_cell_says_1_cell(monkeypatch, capsys, tmp_path):
    """jae embed of a one-cell query printed 'embedded 1 cells into 33 dimensions' (jae map says '1 cell' since
    session 32); the count now takes the noun in its number, as jae map's does."""
    from types import SimpleNamespace

    import numpy as np

    from jae.cli import main

    calls = []

    def embed_files(*args, **kwargs):
        calls.append(args)
        return SimpleNamespace(embedding=np.zeros((1, 1), np.float32), model="JAE")

    monkeypatch.setattr(jae, "embed_files", embed_files)
    monkeypatch.setattr(logging.getLogger("jae"), "level", logging.getLogger("jae").level)  # main sets it
    out = tmp_path / "e.h5ad"
    assert main(["embed", "--mod1", "a.h5ad", "--model", "m", "--out", str(out)]) == 0
    assert len(calls) == 1
    assert capsys.readouterr().out == f"embedded 1 cell into 1 dimension with JAE\nwritten to {out}\n"


def test_fine_tuning_on_mosaic_cells_logs_1_epoch(own_cite_model, tmp_path, caplog):
    """jae embed of a mosaic .h5mu (cells lacking a modality) logged 'finetune (mosaic): 1 epochs, ...' for the
    default one-epoch fine-tuning of a CITE-seq model (the paired trainer says '1 epoch'); it now says '1 epoch'."""
    import mudata as md

    sim = jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    md.MuData({"rna": sim["rna"][:60].copy(), "prot": sim["prot"][20:].copy()}).write(tmp_path / "mosaic.h5mu")
    folder, _ = own_cite_model("s34_mosaic_files")
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.embed_files(InputFiles(h5mu=tmp_path / "mosaic.h5mu"), folder / "model", tmp_path / "e.h5ad",
                        progress_bar=False, device="cpu")
    said = [r.getMessage() for r in caplog.records if "(mosaic):" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("finetune (mosaic): 1 epoch, "), said


@pytest.mark.parametrize("verb", ["embed", "map"])
def test_a_device_torch_does_not_know_is_refused_with_a_fitted_model_too(own_cite_model, tmp_path, verb):
    """embed_files / map_files refused device='banana' with a model folder, but with a fitted jae.JAE they ran on the
    model's device without a word (the device was never read); it is now refused in one line before the query is
    read, whatever the model is given as."""
    _, model = own_cite_model(f"s34_device_{verb}")
    files = InputFiles(h5mu=tmp_path / "missing.h5mu")  # never opened: the device is refused first
    call = jae.embed_files if verb == "embed" else jae.map_files
    with pytest.raises(ValueError, match=r"^device='banana' is not a device torch knows; pass 'auto', 'cpu', 'cuda' "
                                         r"or 'cuda:N'$"):
        call(files, model, tmp_path / ("e.h5ad" if verb == "embed" else "mapped"), device="banana",
             progress_bar=False)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("options", [{"labels_out": "labels.csv"}, {"impute_modality": "prot"}, {}])
def test_embed_files_refuses_an_unfitted_model_in_one_line(tmp_path, options):
    """embed_files(files, jae.JAE(), out, labels_out=...) failed with "AttributeError: 'NoneType' object has no
    attribute 'n_cell_type'" (impute_modality: '... no attribute kinds'); an unfitted model is now refused first, as
    every other call of it is, before the query is read."""
    out = tmp_path / ("e.h5mu" if "impute_modality" in options else "e.h5ad")
    options = {k: tmp_path / v if k == "labels_out" else v for k, v in options.items()}
    with pytest.raises(RuntimeError, match=r"^this JAE model is not fitted yet; call model.fit\(data\) or "
                                           r"JAE.load\(path\) first$"):
        jae.embed_files(InputFiles(h5mu=tmp_path / "missing.h5mu"), jae.JAE(), out, progress_bar=False, **options)
    assert not list(tmp_path.iterdir())


def test_an_obsm_key_with_a_slash_is_refused_before_any_work(own_cite_model, tmp_path):
    """model.embed(mdata, key_added='X_jae/v2') stored the embedding, and mdata.write / adata.write_h5ad then wrote
    obsm['X_jae'] and uns['jae'] as nested groups: the file failed to read back ("'dict' object has no attribute
    'shape'"); such a key is now refused in one line before any work (model.latent too). The labels' key_added
    names obs columns, which read back with a '/': it is taken as before."""
    _, model = own_cite_model("s34_slash")
    cells = jae.simulate(30, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    for call in (model.embed, model.latent):
        with pytest.raises(ValueError, match=r"^key_added='X_jae/v2' holds a '/', which anndata and mudata write as "
                                             r"nested groups \(the file then fails to read back\): pass a key without "
                                             r"'/' \(e.g. key_added='X_jae_v2'\)$"):
            call(cells, key_added="X_jae/v2")
    assert not [k for k in cells.obsm if k not in cells.mod] and not [k for k in cells.uns if "jae" in k]
    labels = model.predict_cell_type(cells, key_added="ref/jae")
    assert list(cells.obs[["ref/jae_cell_type"]].columns) == ["ref/jae_cell_type"] and len(labels) == 30
    cells.write(tmp_path / "cells.h5mu")
    import mudata as md

    back = md.read_h5mu(tmp_path / "cells.h5mu")
    assert back.obs["ref/jae_cell_type"].astype(str).tolist() == labels["cell_type"].astype(str).tolist()


def test_embedding_one_cell_logs_1_cell_when_reading_it(own_cite_model, tmp_path, caplog):
    """jae embed of a one-cell query logged 'reading PairedFiles(q.h5mu: 1 cells, GEX+ADT) once' (RnaFiles for RNA
    alone: '1 cells, RNA only'); the files now say '1 cell'."""
    import mudata as md

    folder, _ = own_cite_model("s34_one_cell")
    sim = jae.simulate(30, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)
    md.MuData({k: a[:1].copy() for k, a in sim.mod.items()}).write(tmp_path / "q.h5mu")
    sim["rna"][:1].copy().write_h5ad(tmp_path / "rna.h5ad")
    with caplog.at_level(logging.DEBUG, logger="jae.io.plan"):  # embed's plan line is DEBUG (s37)
        for files, out in ((InputFiles(h5mu=tmp_path / "q.h5mu"), "e.h5ad"), (InputFiles(mod1=tmp_path / "rna.h5ad"),
                                                                              "r.h5ad")):
            result = jae.embed_files(files, folder / "model", tmp_path / out, finetune_epochs=0, progress_bar=False)
            assert result.embedding.shape[0] == 1
    said = " | ".join(r.getMessage() for r in caplog.records if "streaming path" in r.getMessage())
    assert "PairedFiles(q.h5mu: 1 cell, GEX+ADT)" in said and "RnaFiles(rna.h5ad: 1 cell, RNA only)" in said, said


def test_embed_help_says_a_mapped_model_folder_is_taken(capsys):
    """jae embed --help said --model is a 'model folder written by jae fit', while the README's mapping section runs
    jae embed --model mapped_model on jae map's folder (and --finetune-epochs' help speaks of it); it now says both."""
    from jae.cli import main

    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--model MODEL model folder written by 'jae fit' or 'jae map' (or JAE.save)" in text


def test_embedding_into_a_key_sharing_another_embeddings_record_says_so(own_cite_model, caplog):
    """model.embed(mdata) then model.embed(mdata, key_added='jae') (predict_cell_type's key) put the second record in
    uns['jae'] over that of obsm['X_jae'] without a word, so predict_cell_type(embedding='X_jae') no longer checked
    what made it (an embedding from before a fine-tuning was then taken); a warning now says so and how to keep
    both. Embedding again into the same key, or into a key of its own, says nothing of the kind."""
    _, model = own_cite_model("s34_record")
    cells = jae.simulate(30, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=6)
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.embed(cells)
        model.embed(cells)
        model.embed(cells, key_added="X_jae_2")
        assert not [r for r in caplog.records if "record" in r.getMessage()]
        model.embed(cells, key_added="jae")
    said = [r.getMessage() for r in caplog.records if "record" in r.getMessage()]
    assert said == ["uns['jae'] held the record of obsm['X_jae'], whose key shares it; it now holds this embedding's, "
                    "leaving obsm['X_jae'] without one, so predict_cell_type(embedding='X_jae') can no longer check "
                    "what made it: pass another key_added (e.g. 'jae_2') to keep both"], said
    assert cells.uns["jae"]["obsm_key"] == "jae"
