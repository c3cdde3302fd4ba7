"""RNA-only query files (``jae embed`` / ``jae map`` given ``--mod1`` alone) are streamed in row blocks, never read
whole, and give the same embedding, labels, imputation and mapped model as the same RNA read into memory."""

from __future__ import annotations

import copy
from pathlib import Path
from collections import Counter

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae import JAE, JAEConfig
from jae.datasets import write_simulated
from jae.io import InputFiles, RnaFiles, read_competition
from jae.preprocess import pipeline

from _passes import count_passes  # noqa: E402  (tests/ is on sys.path)

FAST = JAEConfig(max_epochs=3, n_svd=20)
SIZES = dict(n_genes=400, n_proteins=20, n_cell_types=4, n_batches=2)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A reference fitted in memory (seed 1) and an RNA-only query file (seed 2) with its batches renamed
    ``q_<batch>`` in an annotations file."""
    d = tmp_path_factory.mktemp("rna_only")
    ref = write_simulated(d / "ref", n_cells=600, kind="cite", preset=None, seed=1, progress_bar=False, **SIZES)
    query = write_simulated(d / "q", n_cells=900, kind="cite", preset=None, seed=2, progress_bar=False, **SIZES)
    obs = ad.read_h5ad(query[0]).obs
    samples = d / "q.samples.h5ad"
    ad.AnnData(obs=pd.DataFrame({"sample": ("q_" + obs["batch"].astype(str)).to_numpy()}, index=obs.index)
               ).write_h5ad(samples)
    model = JAE(FAST, seed=0, device="cpu").fit(read_competition(*ref), progress_bar=False)
    return model, query[0], samples


def _passes(monkeypatch) -> Counter:
    """Count the passes over each file's counts; refuse any read of the whole file or matrix."""
    return count_passes(monkeypatch, [(RnaFiles, "load"), (InputFiles, "read")], what="the RNA file")


def test_rna_only_files_stream_once_and_match_memory(setup, tmp_path, monkeypatch):
    model, mod1, samples = setup
    monkeypatch.setattr(pipeline, "BLOCK_ROWS", 256)  # several row blocks
    inputs = InputFiles(mod1=mod1, annotations=[samples])
    in_memory = inputs.read()  # the MuData the RNA-only input was read as
    tuned = copy.deepcopy(model).finetune(in_memory, epochs=1, progress_bar=False)
    mapped = model.map_query(in_memory, batch_key="sample", epochs=2, progress_bar=False)
    with monkeypatch.context() as m:
        passes = _passes(m)
        got = jae.embed_files(inputs, model, tmp_path / "emb.h5ad", finetune_epochs=1, impute_out=tmp_path / "imp.h5ad",
                              progress_bar=False)
        assert passes == {mod1.name: 1}
        passes.clear()
        got_map = jae.map_files(inputs, model, tmp_path / "mapped", batch_key="sample", epochs=2, progress_bar=False)
        assert passes == {mod1.name: 1}
    # the same blocks through the same arithmetic: equal, not close
    np.testing.assert_array_equal(got.embedding, tuned.embed(in_memory, key_added=None))
    pd.testing.assert_frame_equal(got.labels, tuned.predict_cell_type(in_memory))
    imputed = ad.read_h5ad(tmp_path / "imp.h5ad")
    expected = jae.impute(tuned, in_memory)
    np.testing.assert_array_equal(imputed.X, expected.X)
    assert list(imputed.obs_names) == list(expected.obs_names)
    np.testing.assert_array_equal(got_map.model.adapter.shift, mapped.adapter.shift)


@pytest.mark.parametrize("paired", [False, True])
def test_streamed_query_files_refuse_what_memory_refuses(setup, tmp_path, paired):
    """Counts that are no raw counts (here halved: normalised) are refused as the same files read whole are, before
    anything is written: RNA alone, and paired files (streamed whatever the budget, they were embedded unchecked)."""
    model, mod1, samples = setup
    adata = ad.read_h5ad(mod1)
    adata.layers["counts"] = sp.csr_matrix(adata.layers["counts"] * 0.5)
    bad = tmp_path / "bad.h5ad"
    adata.write_h5ad(bad)
    inputs = InputFiles(mod1=bad, mod2=str(mod1).replace("mod1", "mod2") if paired else None)
    with pytest.raises(ValueError, match="non-integer values"):
        model.embed(inputs.read(), key_added=None)  # the same files read whole
    with pytest.raises(ValueError, match="non-integer values"):
        jae.embed_files(inputs, model, tmp_path / "emb.h5ad", progress_bar=False)
    with pytest.raises(ValueError, match="non-integer values"):
        jae.map_files(InputFiles(mod1=inputs.mod1, mod2=inputs.mod2, annotations=[samples]), model,
                      tmp_path / "mapped", batch_key="sample", epochs=1, progress_bar=False)  # new batches
    assert not (tmp_path / "emb.h5ad").exists() and not (tmp_path / "mapped").exists()


def test_cells_without_proteins_are_refused_with_the_count_and_the_mosaic_fix(setup, tmp_path):
    """Query cells whose protein counts are all zero (antibodies stained in part of the query) are refused, in memory
    and streamed, by one line naming how many and how to have them placed from RNA: leaving them out of the protein
    modality only, which then embeds them as RNA-only cells (and every other cell as before)."""
    model, mod1, _ = setup
    mod2 = Path(str(mod1).replace("mod1", "mod2"))
    prot = ad.read_h5ad(mod2)
    counts = prot.layers["counts"].toarray()
    counts[:40] = 0  # 40 cells never stained
    prot.layers["counts"] = sp.csr_matrix(counts)
    prot.X = prot.layers["counts"].copy()
    unstained = tmp_path / "unstained.mod2.h5ad"
    prot.write_h5ad(unstained)
    inputs = InputFiles(mod1=mod1, mod2=unstained)
    for embed in (lambda: model.embed(inputs.read(), key_added=None),
                  lambda: jae.embed_files(inputs, model, tmp_path / "emb.h5ad", progress_bar=False)):
        with pytest.raises(ValueError) as err:
            embed()
        message = str(err.value)
        assert "40 of" in message and "'prot' only" in message and "places them from the other modality" in message
    # the fix the message gives: the protein file without them; those cells are then embedded from RNA alone
    keep = prot[np.asarray(prot.layers["counts"].sum(axis=1)).ravel() > 0].copy()
    keep.write_h5ad(tmp_path / "stained.mod2.h5ad")
    fixed = InputFiles(mod1=mod1, mod2=tmp_path / "stained.mod2.h5ad")
    got = jae.embed_files(fixed, model, tmp_path / "emb.h5ad", finetune_epochs=0, progress_bar=False)
    paired = jae.embed_files(InputFiles(mod1=mod1, mod2=mod2), model, tmp_path / "paired.h5ad", finetune_epochs=0,
                             progress_bar=False)
    assert list(got.obs_names) == list(paired.obs_names) and np.isfinite(got.embedding).all()
    np.testing.assert_array_equal(got.embedding[40:], paired.embedding[40:])  # stained cells: unchanged
    assert not np.allclose(got.embedding[:40], paired.embedding[:40])  # the 40: from RNA alone


def test_rna_only_file_with_duplicated_cells_is_refused_in_one_line(setup, tmp_path):
    model, mod1, _ = setup
    adata = ad.read_h5ad(mod1)[:50].copy()
    adata.obs_names = ["cell"] * 2 + [f"c{i}" for i in range(48)]
    adata.write_h5ad(tmp_path / "dup.h5ad")
    with pytest.raises(ValueError, match=r"mod1 file .*dup.h5ad has 1 duplicated cell name \(e.g. 'cell'\); cell "
                                         r"names must be unique: make them unique"):
        jae.embed_files(InputFiles(mod1=tmp_path / "dup.h5ad"), model, tmp_path / "emb.h5ad", progress_bar=False)


def test_another_antibody_panel_is_refused_naming_the_rna_alone_fix_which_works(setup, tmp_path, caplog):
    """A query stained with another antibody panel (a REAP-seq query of a PBMC10k reference: 0 of its 14 proteins)
    was refused with 'fit a reference on features this data shares with it ... then refit' as the only fix, though
    jae places such cells from their RNA alone: the line now names that too, in Python and as the CLI's flags, and
    the fix works as written."""
    import logging

    import mudata as md

    from jae.cli import main

    model, mod1, _ = setup
    prot = ad.read_h5ad(str(mod1).replace("mod1", "mod2"))
    prot.var_names = [f"REAP{i}_tag" for i in range(prot.n_vars)]
    other = tmp_path / "panel.mod2.h5ad"
    prot.write_h5ad(other)
    mdata = md.MuData({"rna": ad.read_h5ad(mod1), "prot": prot})
    with pytest.raises(ValueError, match=r"measured like these; or place these cells from their RNA alone: pass the RNA "
                                         r"without the second modality \(its AnnData, e\.g\. mdata\['rna'\]"):
        model.embed(mdata, key_added=None)
    assert model.embed(mdata["rna"], key_added=None).shape[0] == mdata.n_obs  # the fix as written
    folder = model.save(tmp_path / "model")
    args = ["-q", "embed", "--model", str(folder), "--mod1", str(mod1), "--out", str(tmp_path / "emb.h5ad"),
            "--finetune-epochs", "0"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args + ["--mod2", str(other)]) == 1
    assert "or place these cells from their RNA alone: give --mod1 without --mod2" in caplog.text
    assert not (tmp_path / "emb.h5ad").exists()
    assert main(args) == 0 and (tmp_path / "emb.h5ad").exists()  # the CLI's fix as written


@pytest.mark.parametrize("paired", [False, True])
def test_labels_of_files_with_their_embedding_given_read_no_counts(setup, monkeypatch, paired):
    """predict_cell_type(files, embedding=E) made a whole pass over the files' counts (minutes for a large file) only
    to learn which modalities its cells have, which the files tell: none now, with the same labels (RNA-only cells
    still measured against the RNA-alone threshold)."""
    from jae.io import open_competition, open_rna

    model, mod1, _ = setup
    # a model keeping its fitted cells reads the counts once, to find new cells, whose unknown call it computes from
    # their undivided features (jae.query.fit_cells); one keeping none, as here, reads none
    model = copy.copy(model)
    model.fit_cells = None

    def files():  # opened anew: the model keeps the features of the files it last read
        return open_competition(mod1, str(mod1).replace("mod1", "mod2")) if paired else open_rna(mod1)

    emb = model.embed(files(), key_added=None)
    want = model.predict_cell_type(files())
    with monkeypatch.context() as m:
        passes = _passes(m)
        got = model.predict_cell_type(files(), embedding=emb)
        assert not passes
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-4, atol=1e-5)
