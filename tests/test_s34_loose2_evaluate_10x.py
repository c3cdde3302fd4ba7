"""jae evaluate --10x of a Cell Ranger file of Gene Expression alone scores it as RNA-only data (README 'Scoring
embeddings'), as jae.evaluate scores the same cells in memory, instead of refusing it as fitting does."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

import jae
from jae.io import InputFiles

from test_s34_readers_10x import _write_10x


def _files(tmp_path):
    rng = np.random.default_rng(0)
    genes = list(jae.simulate(40, kind="cite", n_genes=200, n_proteins=5, n_cell_types=2, n_batches=1,
                              seed=0)["rna"].var_names)
    X = rng.poisson(1.5, size=(60, len(genes)))
    tenx = _write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, genes, ["Gene Expression"] * len(genes))
    barcodes = [f"AAACCTGAGC{i:06d}-1" for i in range(60)]
    types = np.repeat(["T", "B", "NK"], 20)
    Z = (rng.normal(size=(60, 4)) + np.repeat(np.eye(3, 4) * 4, 20, axis=0)).astype(np.float32)
    ad.AnnData(obs=pd.DataFrame({"cell_type": types, "batch": np.tile(["a", "b"], 30)}, index=barcodes)).write_h5ad(
        tmp_path / "ann.h5ad")
    ad.AnnData(X=Z, obs=pd.DataFrame(index=barcodes)).write_h5ad(tmp_path / "emb.h5ad")
    return tenx, Z


def test_evaluate_files_scores_a_gene_expression_only_cell_ranger_file_as_the_same_cells_in_memory(tmp_path):
    tenx, Z = _files(tmp_path)
    inputs = InputFiles(tenx=tenx, annotations=(tmp_path / "ann.h5ad",))
    got = jae.evaluate_files(inputs, {"emb": tmp_path / "emb.h5ad"}, None, report=False, progress_bar=False)
    mdata = inputs.read()
    mdata.mod["rna"].obsm["emb"] = Z
    want = jae.evaluate(mdata, {"emb": Z}, progress_bar=False)
    pd.testing.assert_frame_equal(got, want)


def test_jae_evaluate_10x_of_gene_expression_alone_writes_the_metrics(tmp_path):
    from jae.cli import main

    tenx, _ = _files(tmp_path)
    out = tmp_path / "scores"
    assert main(["evaluate", "--10x", str(tenx), "--annotations", str(tmp_path / "ann.h5ad"), "--prediction",
                 f"emb={tmp_path / 'emb.h5ad'}", "--out", str(out), "--no-report"]) == 0
    assert (out / "metrics.csv").is_file()
