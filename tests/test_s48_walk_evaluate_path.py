"""``jae.evaluate("scanpy_output.h5ad", ["X_pca"])`` was answered with the MuData readers (jae.read_h5mu,
jae.io.open_h5mu) and ``jae evaluate --h5mu FILE``, which refuse an .h5ad (session 48's walk); an .h5ad path now gets
anndata's reader and ``--h5ad``, and what the message tells a user to run scores the file."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae


def test_an_h5ad_path_names_its_own_reader_and_flag(tmp_path):
    with pytest.raises(TypeError) as err:
        jae.evaluate(str(tmp_path / "scanpy.h5ad"), ["X_pca"])
    text = str(err.value)
    assert "anndata.read_h5ad(path)" in text and "jae evaluate --h5ad FILE --obsm KEY" in text, text
    assert "h5mu" not in text, text
    with pytest.raises(TypeError, match=r"jae\.read_h5mu\(path\)"):  # an .h5mu keeps the MuData readers
        jae.evaluate(tmp_path / "x.h5mu", ["X_e"])


def test_the_reader_it_names_gives_data_evaluate_scores(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    types = np.repeat(["a", "b", "c"], n // 3)
    emb = rng.normal(size=(n, 5)) + (types[:, None] == "a") * 4.0
    adata = ad.AnnData(rng.poisson(1.0, (n, 20)).astype(np.float32),
                       obs=pd.DataFrame({"cell_type": types, "batch": np.tile(["x", "y"], n // 2)},
                                        index=[f"c{i}" for i in range(n)]))
    adata.obsm["X_pca"] = emb
    path = tmp_path / "scanpy.h5ad"
    adata.write_h5ad(path)
    scores = jae.evaluate(ad.read_h5ad(path), ["X_pca"], progress_bar=False)
    assert list(scores.index) == ["X_pca"] and np.isfinite(scores.loc["X_pca", "nmi"])
