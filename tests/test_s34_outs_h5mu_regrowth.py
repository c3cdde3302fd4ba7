"""``jae embed --h5mu E.h5mu --out E2.h5mu`` of a file jae already embedded: the copy is built without the entries it
replaces (``obsm['X_jae']``, ``uns['jae']``, the label columns) instead of deleting them from a whole copy, whose
space HDF5 never reclaims, so re-embedding no longer grows the file by the old embedding each time; it reads back the
same."""

from __future__ import annotations

import os

import h5py
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def setup(own_cite_model):
    d, model = own_cite_model("s34_outs_h5mu_regrowth")
    q = simulate(90, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    q.obsm["X_pca"] = np.ones((q.n_obs, 3), dtype=np.float32)
    q.uns["mine"] = {"a": 1}
    q.write(d / "q.h5mu")
    return d, model


def test_re_embedding_an_embedded_h5mu_does_not_grow_the_copy(setup, tmp_path):
    d, model = setup
    source, sizes = d / "q.h5mu", []
    for i in range(3):
        out = tmp_path / f"e{i}.h5mu"
        jae.embed_files(InputFiles(h5mu=source), model, out, finetune_epochs=0, progress_bar=False)
        sizes.append(os.path.getsize(out))
        source = out
    assert sizes[2] == sizes[1], sizes  # grew by the old obsm['X_jae'] (and labels) on each re-embedding
    a, b = md.read_h5mu(tmp_path / "e1.h5mu"), md.read_h5mu(tmp_path / "e2.h5mu")
    pd.testing.assert_frame_equal(a.obs, b.obs)
    assert sorted(a.obsm) == sorted(b.obsm) and {"X_jae", "X_pca"} <= set(b.obsm) and dict(b.uns["mine"]) == {"a": 1}
    np.testing.assert_array_equal(a.obsm["X_jae"], b.obsm["X_jae"])
    for name in a.mod:
        assert (a[name].X != b[name].X).nnz == 0 if hasattr(a[name].X, "nnz") else np.array_equal(a[name].X, b[name].X)
        pd.testing.assert_frame_equal(a[name].var, b[name].var)
    with open(d / "q.h5mu", "rb") as f, open(tmp_path / "e2.h5mu", "rb") as g:
        assert f.read(512) == g.read(512)  # MuData's header (its userblock) kept
    with h5py.File(tmp_path / "e2.h5mu", "r") as f:
        assert f.attrs["encoding-type"] == "MuData"
