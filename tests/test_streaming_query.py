"""``jae map`` and ``jae embed`` read a query's counts on disk once, in row blocks, whatever the memory budget: they
give the same mapped model and embedding, bit for bit, as the query read into memory, without holding its counts."""

from __future__ import annotations

import copy
import logging
from collections import Counter

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import write_simulated
from jae.io import InputFiles, MosaicFiles, PairedFiles, read_competition
from jae.preprocess import pipeline

from _passes import count_passes  # noqa: E402  (tests/ is on sys.path)

FAST = JAEConfig(max_epochs=3, n_svd=20)
SIZES = dict(n_genes=400, n_proteins=20, n_cell_types=4, n_batches=2)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A reference fitted in memory (seed 1) and two queries on disk: seed 1 (the reference's genes in its order)
    and seed 2 (the genes in another order); their batches renamed ``q_<batch>`` in an annotations file."""
    d = tmp_path_factory.mktemp("query")
    files = {s: write_simulated(d / f"s{s}", n_cells=1300, kind="cite", preset=None, seed=s, progress_bar=False,
                                **SIZES) for s in (1, 2)}
    annotations = {}
    for s, (mod1, _) in files.items():
        obs = ad.read_h5ad(mod1).obs
        path = d / f"s{s}.samples.h5ad"
        ad.AnnData(obs=pd.DataFrame({"sample": ("q_" + obs["batch"].astype(str)).to_numpy()}, index=obs.index)
                   ).write_h5ad(path)
        annotations[s] = path
    model = JAE(FAST, seed=0, device="cpu").fit(read_competition(*files[1]), progress_bar=False)
    return model, files, annotations


def _reads(monkeypatch) -> Counter:
    """Count the passes over each file's counts; refuse any read of a whole matrix."""
    return count_passes(monkeypatch, [(PairedFiles, "load"), (MosaicFiles, "load")])


@pytest.mark.parametrize("seed", [1, 2])
def test_map_and_embed_stream_the_query_once_within_the_budget(setup, seed, tmp_path, monkeypatch, caplog):
    model, files, annotations = setup
    monkeypatch.setattr(pipeline, "BLOCK_ROWS", 512)  # several row blocks per file
    mod1, mod2 = files[seed]
    inputs = InputFiles(mod1=mod1, mod2=mod2, annotations=[annotations[seed]])
    in_memory = read_competition(mod1, mod2, annotations=[annotations[seed]])
    expected = model.map_query(in_memory, batch_key="sample", epochs=2, progress_bar=False)
    finetuned = copy.deepcopy(model)
    finetuned.finetune(in_memory, epochs=1, progress_bar=False)
    with monkeypatch.context() as m, caplog.at_level(logging.DEBUG, logger="jae.io"):  # the plan line: DEBUG
        passes = _reads(m)
        mapped = jae.map_files(inputs, model, tmp_path / "mapped", batch_key="sample", epochs=2, memory_budget="100G",
                               progress_bar=False)
        assert passes == {mod1.name: 1, mod2.name: 1}
        passes.clear()
        got = jae.embed_files(inputs, tmp_path / "mapped", tmp_path / "emb.h5ad", memory_budget="100G",
                              progress_bar=False)
        assert passes == {mod1.name: 1, mod2.name: 1}
        passes.clear()
        tuned = jae.embed_files(inputs, model, tmp_path / "emb_tuned.h5ad", finetune_epochs=1, memory_budget="100G",
                                progress_bar=False)
        assert passes == {mod1.name: 1, mod2.name: 1}
    assert "in-memory path" not in caplog.text and caplog.text.count("once, in row blocks") == 3
    np.testing.assert_array_equal(mapped.model.adapter.shift, expected.adapter.shift)
    np.testing.assert_array_equal(got.embedding, expected.embed(in_memory, key_added=None))
    np.testing.assert_array_equal(tuned.embedding, finetuned.embed(in_memory, key_added=None))


def test_map_query_keeps_one_copy_of_the_query_features(setup):
    """The features of a query on disk (as large as the query: 0.28 GB at 300,000 CITE-seq cells) were copied three
    more times by map_query: in the deep copy of the reference that holds them, by the selection of the cells of
    new batches (all of them), and by a float32 conversion of float32 values."""
    import tracemalloc

    from jae.io import open_competition
    from jae.query import query_features

    model, files, annotations = setup
    query = open_competition(*files[2], annotations=[annotations[2]])
    reference = copy.deepcopy(model)
    tracemalloc.start()
    copy.deepcopy(reference)  # what mapping costs beside the query: the reference's own arrays
    alone = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    X = query_features(reference, query).X  # computed once, kept on the reference for the same files
    tracemalloc.start()
    mapped = reference.map_query(query, batch_key="sample", epochs=0, progress_bar=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # beside the reference's copy: the cells' names and batches (here 1.6 X); the three copies made it 3.6 X
    assert peak - alone < 2.5 * X.nbytes
    assert mapped._files_features is None and reference._files_features[2] is X  # the reference's cache is kept
    assert set(mapped.adapter.batches) == {"q_" + b for b in read_competition(*files[2]).obs["batch"].astype(str)}
