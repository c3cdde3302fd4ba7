"""jae evaluate --10x of one Cell Ranger .h5 (session 51): before, the file was read whole (every modality's counts)
to score stored embeddings, of which only cc_cons reads the RNA; now its Gene Expression counts are opened and read in
blocks of cells (as jae.io.open_rna opens an .h5ad), the scores the same as those of the file read whole, and a file
of barcodes without counts refused in the same words."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from conftest import write_10x
from jae.io import InputFiles
from jae.preprocess.cell_cycle import cell_cycle_genes

N = 120


def _files(tmp_path, name="filtered_feature_bc_matrix.h5", empty=0):
    """A simulated Multiome written as a Cell Ranger ARC .h5 (80 of its 200 genes named as cell-cycle markers, so
    cc_cons is scored), its annotations and a stored embedding; ``empty`` cells without RNA counts."""
    mdata = jae.simulate(N, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    s, g2m = cell_cycle_genes("human")
    genes = list(mdata["rna"].var_names)
    markers = [g for g in s + g2m if g not in genes][:80]  # names not already among the genes: none repeated
    genes[:len(markers)] = markers
    rna = mdata["rna"].layers["counts"].toarray()
    rna[:empty] = 0
    X = np.hstack([rna, mdata["atac"].layers["counts"].toarray()])
    h5 = write_10x(tmp_path / name, X, genes + list(mdata["atac"].var_names),
                   ["Gene Expression"] * len(genes) + ["Peaks"] * mdata["atac"].n_vars)
    barcodes = [f"AAACCTGAGC{i:06d}-1" for i in range(N)]
    obs = pd.DataFrame({"cell_type": mdata.obs["cell_type"].to_numpy(), "batch": mdata.obs["batch"].to_numpy()},
                       index=barcodes)
    ad.AnnData(obs=obs).write_h5ad(tmp_path / "ann.h5ad")
    Z = np.random.default_rng(0).normal(size=(N, 5)).astype(np.float32)
    ad.AnnData(X=Z, obs=pd.DataFrame(index=barcodes)).write_h5ad(tmp_path / "emb.h5ad")
    return InputFiles(tenx=h5, annotations=(tmp_path / "ann.h5ad",)), Z


def _never_whole(monkeypatch):
    import jae.io.cellranger as readers

    def whole(*args, **kwargs):
        raise AssertionError("a Cell Ranger .h5 read whole")

    monkeypatch.setattr(readers, "_read_10x_h5", whole)


def test_one_h5_scored_from_blocks_as_read_whole(tmp_path, monkeypatch):
    inputs, Z = _files(tmp_path)
    mdata = inputs.read()  # today's numbers: the file read whole, scored in memory
    mdata.mod["rna"].obsm["emb"] = Z
    want = jae.evaluate(mdata, {"emb": Z}, organism="human", progress_bar=False)
    assert np.isfinite(want.loc["emb", "cc_cons"])  # the RNA counts are read
    _never_whole(monkeypatch)
    got = jae.evaluate_files(inputs, {"emb": tmp_path / "emb.h5ad"}, None, organism="human", report=False,
                             progress_bar=False)
    pd.testing.assert_frame_equal(got, want)


def test_jae_evaluate_10x_writes_the_same_metrics_without_reading_the_file_whole(tmp_path, monkeypatch):
    from jae.cli import main

    inputs, Z = _files(tmp_path)
    mdata = inputs.read()  # today's numbers: the file read whole, scored in memory
    jae.evaluate(mdata, {"emb": Z}, organism="human", progress_bar=False).to_csv(tmp_path / "whole.csv")
    _never_whole(monkeypatch)
    out = tmp_path / "scores"
    assert main(["evaluate", "--10x", str(inputs.tenx), "--annotations", str(tmp_path / "ann.h5ad"), "--prediction",
                 f"emb={tmp_path / 'emb.h5ad'}", "--organism", "human", "--out", str(out), "--no-report"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "metrics.csv"), pd.read_csv(tmp_path / "whole.csv"))


def test_barcodes_without_counts_refused_as_read_whole(tmp_path, monkeypatch):
    inputs, _ = _files(tmp_path, name="sample.h5", empty=3)
    with pytest.raises(ValueError) as whole:
        inputs.read()
    _never_whole(monkeypatch)
    with pytest.raises(ValueError) as blocks:
        jae.evaluate_files(inputs, {"emb": tmp_path / "emb.h5ad"}, None, report=False, progress_bar=False)
    assert str(blocks.value) == str(whole.value)
    assert "3 of 120 barcodes have no 'rna' counts" in str(blocks.value)
