"""Cells with zero counts in a layer other than 'counts' (session 35): the refusal's example code read
layers['counts'] whatever layer= was passed, so with layer='umi' (or layer=None, .X) it failed with KeyError 'counts'.
It now reads the matrix the check read: layers['umi'], .X, or for layer='raw' the layer, .raw or .X as jae reads them;
the mosaic message's example likewise."""

from __future__ import annotations

import re

import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.io import get_paired
from jae.io.mosaic import get_mosaic


@pytest.fixture()
def data():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    for name in ("rna", "prot"):
        a = m[name]
        X = a.layers["counts"]
        X = X.toarray() if sp.issparse(X) else np.array(X)
        if name == "rna":
            X[3] = 0
        a.layers["umi"] = sp.csr_matrix(X)
        del a.layers["counts"]
        a.X = a.layers["umi"].copy()
    return m


@pytest.mark.parametrize("layer", ["umi", None, "raw"])
def test_zero_count_example_reads_the_layer_checked(data, layer):
    if layer == "raw":  # the RNA's counts in .raw (scanpy's layout), .X normalised; the proteins' in .X
        rna = data["rna"]
        rna.raw = rna.copy()
        rna.X = rna.X.multiply(1 / 3).tocsr()
    with pytest.raises(ValueError, match="1 of 60 cells have zero total counts") as err:
        get_paired(data, layer=layer)
    code = re.search(r"e\.g\. (adata = adata\[.*?\]\.copy\(\)) for that", str(err.value)).group(1)
    scope = {"np": np, "adata": data["rna"]}
    exec(code, scope)  # the example as written
    assert scope["adata"].n_obs == 59


@pytest.mark.parametrize("layer", ["umi", None])
def test_mosaic_zero_count_example_reads_the_layer_checked(data, layer):
    mosaic = md.MuData({"rna": data["rna"].copy(), "prot": data["prot"][10:].copy()})
    with pytest.raises(ValueError, match="1 of 60 cells have zero total counts") as err:
        get_mosaic(mosaic, layer=layer)
    code = re.search(r"e\.g\. (a = .*?mdata\.update\(\))", str(err.value)).group(1)
    scope = {"np": np, "mdata": mosaic}
    exec(code, scope)
    assert mosaic["rna"].n_obs == 59 and mosaic["prot"].n_obs == 50
