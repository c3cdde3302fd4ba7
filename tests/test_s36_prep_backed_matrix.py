"""``.X`` of an AnnData read with backed='r' (anndata's CSRDataset, still on disk) passed to the preprocessing
functions: numpy's "setting an array element with a sequence", scikit-learn's "Expected 2D array, got scalar array"
or "'_CSRDataset' object has no attribute 'ndim'" before; now one line naming it and ``.to_memory()``."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp

from jae.preprocess import CellCycleScorer, cell_cycle_genes, fit_svd, log_normalize, score_cell_cycle


@pytest.fixture()
def backed(tmp_path):
    rng = np.random.default_rng(0)
    s, g2m = cell_cycle_genes("human")
    genes = s + g2m + [f"G{i}" for i in range(60)]
    X = sp.csr_matrix(rng.poisson(1.0, (40, len(genes))).astype(np.float32) + np.eye(40, len(genes), dtype=np.float32))
    ad.AnnData(X=X, var={"_": np.zeros(len(genes))}).write_h5ad(tmp_path / "a.h5ad")
    adata = ad.read_h5ad(tmp_path / "a.h5ad", backed="r")
    adata.var_names = genes
    yield adata, X
    adata.file.close()


def test_backed_matrix_is_refused_in_one_line(backed):
    adata, X = backed
    calls = [lambda: log_normalize(adata.X), lambda: fit_svd(adata.X, 5),
             lambda: score_cell_cycle(adata.X, adata.var_names),
             lambda: CellCycleScorer(adata.var_names).add(adata.X)]
    for call in calls:
        with pytest.raises(TypeError, match=r"a sparse matrix still on disk .*backed='r'.*\.to_memory\(\)"):
            call()
    np.testing.assert_array_equal(log_normalize(adata.X.to_memory()).toarray(), log_normalize(X).toarray())  # the fix


def test_projection_still_reads_a_backed_matrix_by_rows(backed):
    adata, X = backed
    basis = fit_svd(log_normalize(X), 5)
    np.testing.assert_array_equal(basis.transform(adata.X), basis.transform(X))
