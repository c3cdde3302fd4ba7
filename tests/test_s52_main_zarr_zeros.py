"""A sparse count matrix storing a chunk's worth of explicit zeros (values of 0 kept in .data, e.g. counts set to 0
without eliminate_zeros), written whole to a zarr store: zarr leaves that chunk of values out as equal to its fill
value, so the store is refused as lacking it (jae.io.zarr_chunks cannot tell it from a lost chunk). Before (session
52's first check), the refusal only said to copy the store again, which cannot help; now, when only values are
absent, it also names the fix that works (drop the zeros and write the store again), and that fix reads."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp
import zarr

import jae
from jae.io.elems import write_elem


def _store(path, X):
    adata = ad.AnnData(X=X)
    adata.obs_names = [f"c{i}" for i in range(X.shape[0])]
    adata.var_names = [f"g{i}" for i in range(X.shape[1])]
    g = zarr.open_group(str(path), mode="w", zarr_format=2)
    write_elem(g, "/", adata)
    write_elem(g, "X", adata.X, dataset_kwargs=dict(chunks=(500,)))
    return path


def test_explicit_zeros_refused_with_the_fix_that_works(tmp_path):
    X = sp.random(3000, 100, density=0.02, format="csr", dtype=np.float32, random_state=0)
    X.data = np.ceil(X.data * 5)
    X.data[1000:2600] = 0  # explicit zeros: three whole chunks of 500 values equal to zarr's fill value
    with pytest.raises(ValueError, match=r"lacks 3 of its \d+ chunk files.*; or, if it was written whole, its counts "
                       r"store a chunk's worth of explicit zeros, which zarr does not write: drop them "
                       r"\(X.eliminate_zeros\(\)\) and write the store again$"):
        jae.io.read_h5ad(_store(tmp_path / "zeros.zarr", X))
    X.eliminate_zeros()  # the fix named
    read = jae.io.read_h5ad(_store(tmp_path / "fixed.zarr", X))
    assert (sp.csr_matrix(read.X) != X).nnz == 0


def test_lost_indices_too_gets_no_zeros_clause(tmp_path):
    X = sp.random(3000, 100, density=0.02, format="csr", dtype=np.float32, random_state=1)
    X.data = np.ceil(X.data * 5)
    store = _store(tmp_path / "cut.zarr", X)
    (store / "X" / "indices" / "1").unlink()  # a copy cut short loses indices too: only "copy it again" applies
    with pytest.raises(ValueError, match=r"its array 'X/indices' lacks 1 of .*leaves chunks out\)$"):
        jae.io.read_h5ad(store)
