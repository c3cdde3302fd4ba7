"""layer='raw' (--layer raw) on data without a .raw but with its counts in layers['counts'] (session 35): jae read
.X, as documented, and refused its normalised values with a hint about scanpy's adata.raw = adata sharing .X, never
naming the 'counts' layer sitting there. The refusal now says there is no .raw, so .X was read, lists the layers and
says to pass layer='counts' (--layer counts in the CLI), for data in memory and files alike."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp

from jae.cli import main
from jae.datasets import simulate
from jae.io import get_paired


@pytest.fixture(scope="module")
def data():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    for name in ("rna", "prot"):
        a = m[name]
        X = a.layers["counts"]
        X = X.toarray() if sp.issparse(X) else np.array(X)
        a.X = sp.csr_matrix(np.log1p(X.astype(np.float32)))
    return m


def test_in_memory_refusal_names_the_counts_layer(data):
    with pytest.raises(ValueError, match=r"there is no \.raw, so layer='raw' read \.X, which holds no raw counts; its "
                                         r"layers are \['counts'\]: pass layer='counts'$"):
        get_paired(data, layer="raw")
    assert get_paired(data, layer="counts").n_obs == 60  # the fix as said


def test_cli_refusal_names_the_flag(data, tmp_path, caplog):
    data["rna"].write_h5ad(tmp_path / "x.mod1.h5ad")
    data["prot"].write_h5ad(tmp_path / "x.mod2.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["-q", "fit", "--mod1", str(tmp_path / "x.mod1.h5ad"), "--mod2", str(tmp_path / "x.mod2.h5ad"),
                   "--out", str(tmp_path / "m"), "--layer", "raw", "--mode", "unsupervised", "--batch-key", "none"])
    err = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(err) == 1
    assert err[0].endswith("there is no .raw, so --layer raw read .X, which holds no raw counts; its layers are "
                           "['counts']: pass --layer counts")
