"""A dict of AnnData opened backed (``anndata.read_h5ad(path, backed='r')``) whose counts are in ``.X`` or ``.raw``
(session 36): ``JAE.fit`` / ``embed`` failed with "IndexError: tuple index out of range" (and ``get_paired`` with
scipy's "does not support dtype object"), the matrix on disk being taken for an array. Such a modality is now read
into memory, with a log line, as one AnnData opened backed is; the counts are those of the files read whole."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest
import scanpy as sc

from jae.datasets import simulate
from jae.io import get_paired
from jae.io.mosaic import is_mosaic


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    out = tmp_path_factory.mktemp("backed")
    for name in ("rna", "prot"):
        a = ad.AnnData(X=m[name].layers["counts"].copy(), obs=m.obs[["batch"]].copy(), var=m[name].var[[]].copy())
        a.write_h5ad(out / f"{name}_x.h5ad")  # counts in .X
        a.raw = a.copy()
        sc.pp.normalize_total(a)
        sc.pp.log1p(a)
        a.write_h5ad(out / f"{name}_raw.h5ad")  # scanpy's layout: counts in .raw
    return m, out


@pytest.mark.parametrize("stored,layer", [("x", "counts"), ("x", None), ("raw", "raw")])
def test_backed_modalities_are_read(files, caplog, stored, layer):
    m, out = files
    data = {n: ad.read_h5ad(out / f"{n}_{stored}.h5ad", backed="r") for n in ("rna", "prot")}
    with caplog.at_level(logging.INFO, logger="jae"):
        assert not is_mosaic(data, layer=layer)  # fit's first look at the data
        paired = get_paired(data, layer=layer)
    for X, name in zip(paired.counts, ("rna", "prot")):
        assert np.array_equal(X.toarray(), m[name].layers["counts"].toarray())
    assert "modality 'rna' is an AnnData opened backed" in caplog.text
    assert all(a.isbacked for a in data.values())  # the user's objects are left as they were
