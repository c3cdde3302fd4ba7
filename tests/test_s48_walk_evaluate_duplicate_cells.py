"""A scanpy .h5ad whose cell names repeat (two samples concatenated without index_unique): ``jae evaluate --h5ad``
printed three of anndata's and mudata's UserWarnings, source lines included, before refusing with 'the AnnData has 700
duplicated cell names ...; make its cell names unique there (obs_names, or the table's first column)', a fix for an
annotation table that named neither the file nor how (session 48's walk). The refusal now comes first, alone, naming
the file and adata.obs_names_make_unique(); jae.evaluate of such an AnnData raises it without a warning."""

from __future__ import annotations

import logging
import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main


def _dup(n: int = 40) -> ad.AnnData:
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # anndata's own warning, when the user made them
        adata = ad.AnnData(rng.poisson(1.0, (n, 12)).astype(np.float32),
                           obs=pd.DataFrame({"cell_type": np.repeat(["a", "b"], n // 2), "batch": "x"},
                                            index=[f"c{i % (n // 2)}" for i in range(n)]),
                           var=pd.DataFrame(index=[f"g{j}" for j in range(12)]))
    adata.obsm["X_pca"] = rng.normal(size=(n, 4))
    return adata


def test_python_refuses_without_a_warning():
    adata = _dup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as err:
            jae.evaluate(adata, ["X_pca"], progress_bar=False)
    assert str(err.value).startswith("the AnnData has 20 duplicated cell names (e.g. 'c0', 'c1', 'c2', ...); cell "
                                     "names must be unique: make them unique, e.g. adata.obs_names_make_unique()")


def test_the_cli_says_one_line_naming_the_file(tmp_path, caplog, capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _dup().write_h5ad(tmp_path / "dup.h5ad")
    capfd.readouterr()
    with caplog.at_level(logging.WARNING):
        assert main(["-q", "evaluate", "--h5ad", str(tmp_path / "dup.h5ad"), "--obsm", "X_pca", "--out",
                     str(tmp_path / "r"), "--no-report"]) == 1
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    text = records[0].getMessage()
    assert text.startswith(f"--h5ad file {tmp_path / 'dup.h5ad'} has 20 duplicated cell names") or \
        text.startswith("--h5ad file dup.h5ad has 20 duplicated cell names"), text
    assert text.endswith("and write the file again"), text
    assert "Warning" not in capfd.readouterr().err
    assert not (tmp_path / "r").exists()
