"""A view of an AnnData opened backed (``adata = anndata.read_h5ad(path, backed='r')``; ``model.embed(adata[:100])``,
or its modalities ``{'rna': adata[:, genes], 'prot': adata[:, proteins]}``; session 36): the embedding was computed,
then storing it failed with anndata's "To copy an AnnData object in backed mode, pass a filename". The view now
becomes an AnnData of its own in memory holding the results, as a view in memory does; the file is not written."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.storage import store_obs, store_obsm


@pytest.fixture()
def backed(tmp_path):
    m = simulate(40, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    path = tmp_path / "x.h5ad"
    ad.AnnData(X=m["rna"].layers["counts"].copy(), obs=m.obs[["batch"]].copy()).write_h5ad(path)
    adata = ad.read_h5ad(path, backed="r")
    yield adata, path
    adata.file.close()


def test_results_stored_in_a_backed_view(backed):
    adata, path = backed
    view = adata[:10]
    cells = pd.Index(view.obs_names)
    values = np.arange(20, dtype=np.float32).reshape(10, 2)
    store_obsm(view, values, cells, "X_jae")
    assert np.array_equal(view.obsm["X_jae"], values) and not view.is_view
    store_obs(view, pd.DataFrame({"cell_type": ["a"] * 10}, index=cells), "jae")
    assert view.obs["jae_cell_type"].tolist() == ["a"] * 10
    assert "X_jae" not in ad.read_h5ad(path).obsm  # the file is left as it was


def test_dict_of_backed_views(backed):
    adata, _ = backed
    mods = {"rna": adata[:, :100], "prot": adata[:, 100:]}
    cells = pd.Index(adata.obs_names)
    store_obsm(mods, np.ones((adata.n_obs, 3), dtype=np.float32), cells, "X_jae")
    assert all(m.obsm["X_jae"].shape == (adata.n_obs, 3) for m in mods.values())
