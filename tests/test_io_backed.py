"""One AnnData holding both modalities, opened backed (``anndata.read_h5ad(path, backed='r')``, as scanpy users open
large files): read as the same AnnData in memory, the file left as it was."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae import JAEConfig
from jae.datasets import simulate
from jae.io import split_anndata


def _totalvi(mdata, *, dense: bool) -> ad.AnnData:
    rna, prot = mdata.mod["rna"], mdata.mod["prot"]
    X = rna.layers["counts"].toarray() if dense else sp.csr_matrix(rna.layers["counts"])
    adata = ad.AnnData(X=X, obs=mdata.obs.copy(), var=rna.var.copy())
    adata.obsm["protein_expression"] = pd.DataFrame(prot.layers["counts"].toarray(), index=adata.obs_names,
                                                    columns=prot.var_names)
    return adata


@pytest.mark.parametrize("dense", [False, True])
def test_a_backed_totalvi_anndata_fits_as_the_same_anndata_in_memory(tmp_path, dense):
    mdata = simulate(150, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=2)
    path = tmp_path / "cite.h5ad"
    _totalvi(mdata, dense=dense).write_h5ad(path)
    stamp = path.stat().st_mtime_ns
    backed, whole = ad.read_h5ad(path, backed="r"), ad.read_h5ad(path)
    try:
        mods = split_anndata(backed, layer=None)
        assert isinstance(mods["rna"].X, np.ndarray) or sp.issparse(mods["rna"].X)  # read, not left on disk
        np.testing.assert_array_equal(np.asarray(sp.csr_matrix(mods["rna"].X).todense()),
                                      np.asarray(sp.csr_matrix(whole.X).todense()))
        config = JAEConfig(max_epochs=2, n_svd=10)
        expected = jae.JAE(config, seed=0).fit(whole, layer=None, progress_bar=False).embed(whole, layer=None,
                                                                                            key_added=None)
        model = jae.JAE(config, seed=0).fit(backed, layer=None, progress_bar=False)  # crashed: IndexError
        np.testing.assert_allclose(model.embed(backed, layer=None, key_added=None), expected, rtol=1e-5, atol=1e-6)
    finally:
        backed.file.close()
    assert path.stat().st_mtime_ns == stamp  # the user's file is not written to


def test_a_backed_anndata_is_not_logged_as_data_already_in_memory(tmp_path, caplog):
    # the plan's log line said 'data already in memory' of a file opened backed='r', whose counts it then read whole
    import logging

    from jae.io.plan import plan_input

    mdata = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=2)
    path = tmp_path / "cite.h5ad"
    _totalvi(mdata, dense=False).write_h5ad(path)
    backed = ad.read_h5ad(path, backed="r")
    try:
        with caplog.at_level(logging.INFO, logger="jae.io.plan"):
            mods = plan_input(backed, memory_budget="1G", layer=None)
        assert set(mods) == {"rna", "prot"}
        assert "opened backed" in caplog.text and "read into memory whole" in caplog.text
        assert "already in memory" not in caplog.text
    finally:
        backed.file.close()
