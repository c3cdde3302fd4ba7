"""jae evaluate --10x of one Cell Ranger matrix folder (session 52): before, the folder was read whole (every
modality's counts) to score stored embeddings, of which only cc_cons reads the RNA, while one .h5 was read in blocks
since session 51; now a folder's Gene Expression is read in blocks of cells too (through its copy ordered by cell,
jae.io.mtx_blocks), the scores those of the folder read whole, barcodes without counts refused in the same words,
and the copy removed."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.io import InputFiles
from test_s50_mtx_reader import write_mtx
from test_s51_evaltenx_blocks import _files as h5_files
from test_s51_h5rows_single import _never_whole as never_whole
from test_s52_mtx_blocks import _shuffled


def _folder(tmp_path, empty=0):
    """session 51's evaluate files with the Cell Ranger .h5 written again as a matrix folder, its entries shuffled."""
    inputs, Z = h5_files(tmp_path, empty=empty)
    with h5py.File(inputs.tenx, "r") as f:
        g = f["matrix"]
        X = sp.csc_matrix((g["data"][()], g["indices"][()], g["indptr"][()]), shape=tuple(g["shape"][()])).T
        names, types = ([v.decode() for v in g["features"][k][()]] for k in ("name", "feature_type"))
    folder = _shuffled(write_mtx(tmp_path / "outs", X.toarray(), names, types), seed=0)
    return InputFiles(tenx=folder, annotations=inputs.annotations), Z


def test_one_folder_scored_from_blocks_as_read_whole(tmp_path, scratch, monkeypatch):
    from jae.cli import main

    inputs, Z = _folder(tmp_path)
    mdata = inputs.read()  # the folder read whole, scored in memory
    want = jae.evaluate(mdata, {"emb": Z}, organism="human", progress_bar=False)
    assert np.isfinite(want.loc["emb", "cc_cons"])  # the RNA counts are read
    never_whole(monkeypatch, "_cells_by_features")
    got = jae.evaluate_files(inputs, {"emb": tmp_path / "emb.h5ad"}, None, organism="human", report=False,
                             progress_bar=False)
    pd.testing.assert_frame_equal(got, want)
    out = tmp_path / "scores"
    assert main(["evaluate", "--10x", str(inputs.tenx), "--annotations", str(tmp_path / "ann.h5ad"), "--prediction",
                 f"emb={tmp_path / 'emb.h5ad'}", "--organism", "human", "--out", str(out), "--no-report"]) == 0
    want.to_csv(tmp_path / "whole.csv")
    pd.testing.assert_frame_equal(pd.read_csv(out / "metrics.csv"), pd.read_csv(tmp_path / "whole.csv"))
    assert not list(scratch.glob("jae-*"))  # the folder's copy ordered by cell removed


def test_folder_barcodes_without_counts_refused_as_read_whole(tmp_path, scratch, monkeypatch):
    inputs, _ = _folder(tmp_path, empty=3)
    with pytest.raises(ValueError) as whole:
        inputs.read()
    never_whole(monkeypatch, "_cells_by_features")
    with pytest.raises(ValueError) as blocks:
        jae.evaluate_files(inputs, {"emb": tmp_path / "emb.h5ad"}, None, report=False, progress_bar=False)
    assert str(blocks.value) == str(whole.value)
    assert "3 of 120 barcodes have no 'rna' counts" in str(blocks.value)
    assert not list(scratch.glob("jae-*"))
