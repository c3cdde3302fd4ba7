"""jae evaluate --h5ad / --10x (jae.evaluate_files on data it reads whole): the report named no data file, while
--mod1/--mod2 and --h5mu name theirs ('data: x.mod1.h5ad, ...'). Now the description names the file read and the
annotation files joined; the scores are unchanged (s37 audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import jae
from jae.io import InputFiles

from test_s34_loose2_evaluate_10x import _files


def _rna_h5ad(tmp_path):
    d = jae.simulate(120, kind="cite", n_genes=200, n_proteins=5, n_cell_types=3, n_batches=2, seed=0)
    rna = d["rna"].copy()
    for c in ("cell_type", "batch"):
        rna.obs[c] = d.obs[c].to_numpy()
    rna.obsm["X_emb"] = np.random.default_rng(0).normal(size=(rna.n_obs, 6)).astype(np.float32)
    rna.write_h5ad(tmp_path / "rna_emb.h5ad")
    return tmp_path / "rna_emb.h5ad", rna


def test_h5ad_is_named_and_scores_as_in_memory(tmp_path):
    path, rna = _rna_h5ad(tmp_path)
    got = jae.evaluate_files(InputFiles(h5ad=path), ["X_emb"], None, progress_bar=False)
    assert got.attrs["description"].endswith(f"; data: {path}; jae {jae.__version__}.")
    want = jae.evaluate(rna, ["X_emb"], progress_bar=False)
    pd.testing.assert_frame_equal(got, want)
    assert "data:" not in want.attrs["description"]  # data in memory: no file named


def test_10x_is_named_with_its_annotations(tmp_path):
    tenx, _ = _files(tmp_path)
    inputs = InputFiles(tenx=tenx, annotations=(tmp_path / "ann.h5ad",))
    got = jae.evaluate_files(inputs, {"emb": tmp_path / "emb.h5ad"}, tmp_path / "out", progress_bar=False)
    assert f"; data: {tenx} (annotations: {tmp_path / 'ann.h5ad'}); jae" in got.attrs["description"]
    assert f"data: {tenx}" in (tmp_path / "out" / "index.html").read_text()
