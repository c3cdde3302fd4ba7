"""jae embed / jae map --remap-peaks streamed (session 47): a query file on peaks of its own is read in row blocks, each
block of ATAC counts put on the model's peaks as it is read (jae.io.chunked.MappedCounts), and gives the embedding,
labels and obs the route that read it whole gave (np.array_equal), in several blocks; a query over --memory-budget,
refused before, runs."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
import jae.io.chunked
import jae.preprocess.pipeline
from jae.cli import main
from jae.io import InputFiles
from jae.io.peaks import peak_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from new_sample_walkthrough import own_peaks  # noqa: E402

BLOCK = 64  # rows per block: 300 cells are 5 blocks


def on_own_peaks(mdata, seed: int = 0):
    """``mdata`` with its ATAC counts on peaks of a sample's own (the walkthrough's: shifted, merged, split, dropped,
    extra), each model peak's counts given to the own peak it overlaps most."""
    atac = mdata["atac"]
    own = own_peaks(atac.var_names, np.random.default_rng(seed))
    target, _ = peak_assignment(atac.var_names, own)
    used = np.flatnonzero(target >= 0)
    to_own = sp.csr_matrix((np.ones(len(used), np.float32), (used, target[used])), shape=(atac.n_vars, len(own)))
    X = (sp.csr_matrix(atac.layers["counts"]) @ to_own).tocsr()
    new = ad.AnnData(X=X, obs=atac.obs.copy(), var=pd.DataFrame({"feature_types": "Peaks"}, index=own),
                     layers={"counts": X.copy()})
    out = md.MuData({"rna": mdata["rna"].copy(), "atac": new})
    out.obs = mdata.obs.copy()
    return out


@pytest.fixture
def sample(default_fit, tmp_path):
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    on_own_peaks(mdata).write(tmp_path / "own.h5mu")
    new = mdata.copy()
    new.obs["batch"] = "new_" + new.obs["batch"].astype(str)
    on_own_peaks(new).write(tmp_path / "own_new.h5mu")
    return tmp_path


@pytest.fixture
def counted(monkeypatch):
    """Small preprocessing blocks, and the blocks MappedCounts remapped, counted."""
    monkeypatch.setattr(jae.preprocess.pipeline, "BLOCK_ROWS", BLOCK)
    calls = []
    real = jae.io.chunked.map_columns
    monkeypatch.setattr(jae.io.chunked, "map_columns", lambda X, m: calls.append(X.shape[0]) or real(X, m))
    return calls


@pytest.fixture
def whole(monkeypatch):
    """The route before session 47: the query read into memory whole (within the budget) and remapped whole."""
    def force():
        real = InputFiles.open
        monkeypatch.setattr(InputFiles, "open", lambda self, **kw: real(self, **{**kw, "once": False}))
    return force


def _embedded(sample, name: str):
    emb = ad.read_h5ad(sample / f"{name}.h5ad")
    return emb, pd.read_csv(sample / f"{name}.csv", index_col=0)


def test_embed_streams_the_remap_in_blocks_and_writes_what_the_whole_route_wrote(sample, counted, whole):
    args = ["-q", "embed", "--model", str(sample / "model"), "--h5mu", str(sample / "own.h5mu"), "--remap-peaks",
            "--device", "cpu", "--finetune-epochs", "0"]
    assert main([*args, "--out", str(sample / "s.h5ad"), "--labels-out", str(sample / "s.csv")]) == 0
    assert counted == [BLOCK] * 4 + [300 - 4 * BLOCK]  # every ATAC block remapped as read, none whole
    whole()
    assert main([*args, "--out", str(sample / "w.h5ad"), "--labels-out", str(sample / "w.csv"),
                 "--memory-budget", "50G"]) == 0
    assert len(counted) == 5  # read whole: remapped in memory by jae.remap_peaks
    (s, s_lab), (w, w_lab) = _embedded(sample, "s"), _embedded(sample, "w")
    assert np.array_equal(s.X, w.X) and s.obs_names.equals(w.obs_names)
    pd.testing.assert_frame_equal(s.obs, w.obs)
    pd.testing.assert_frame_equal(s_lab, w_lab)
    assert s_lab["cell_type"].nunique() > 1


def test_a_query_over_the_memory_budget_is_streamed_not_refused(sample, counted, caplog):
    args = ["-q", "embed", "--model", str(sample / "model"), "--h5mu", str(sample / "own.h5mu"), "--remap-peaks",
            "--device", "cpu", "--finetune-epochs", "0"]
    with caplog.at_level(logging.INFO, logger="jae.io.peaks"):
        assert main([*args, "--out", str(sample / "a.h5ad"), "--labels-out", str(sample / "a.csv"),
                     "--memory-budget", "1K"]) == 0
    assert len(counted) == 5
    said = [r.getMessage() for r in caplog.records if r.name == "jae.io.peaks"]
    assert any("peaks covered (" in m for m in said), said
    assert any(m.startswith("remap_peaks: 100.0% of the counts of modality 'atac' kept") for m in said), said
    assert main([*args, "--out", str(sample / "b.h5ad"), "--labels-out", str(sample / "b.csv")]) == 0
    (a, a_lab), (b, b_lab) = _embedded(sample, "a"), _embedded(sample, "b")
    assert np.array_equal(a.X, b.X) and a_lab.equals(b_lab)


def test_map_streams_the_remap_and_maps_as_the_whole_route(sample, counted, whole):
    args = ["-q", "map", "--model", str(sample / "model"), "--h5mu", str(sample / "own_new.h5mu"), "--remap-peaks",
            "--device", "cpu", "--epochs", "2", "--batch-key", "batch"]
    assert main([*args, "--out", str(sample / "ms")]) == 0
    assert len(counted) == 5
    whole()
    assert main([*args, "--out", str(sample / "mw"), "--memory-budget", "50G"]) == 0
    assert len(counted) == 5
    s, w = (jae.JAE.load(sample / n, device="cpu") for n in ("ms", "mw"))
    query = jae.remap_peaks(md.read_h5mu(sample / "own_new.h5mu"), s)
    assert np.array_equal(s.embed(query, key_added=None), w.embed(query, key_added=None))
    assert set(s.adapter.batches) == set(w.adapter.batches) == set(query.obs["batch"])
