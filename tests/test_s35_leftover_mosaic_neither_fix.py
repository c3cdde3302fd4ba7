"""A MuData with cells measured in neither modality (rows of NaN in both, or no row in either), session 35: the
refusal suggested 'mdata = mdata[keep].copy()' without saying what keep is. The example now builds the mask itself
(cells with a row, not all NaN, in either modality); run as written it leaves data get_mosaic reads."""

from __future__ import annotations

import re

import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.io.mosaic import get_mosaic


def _run_fix(message: str, mdata):
    code = re.search(r"e\.g\. (from jae.*?\]\.copy\(\)) \(a file", message).group(1)
    scope = {"mdata": mdata}
    exec(code, scope)  # the example as written
    return scope["mdata"]


@pytest.fixture()
def cite():
    return simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)


def test_nan_rows_in_both_modalities_fix_runs(cite):
    rna, prot = cite["rna"].copy(), cite["prot"].copy()
    for adata, rows in ((rna, [2, 5, 7]), (prot, [5, 7, 9])):
        X = adata.layers["counts"]
        X = (X.toarray() if sp.issparse(X) else np.array(X)).astype(np.float32)
        X[rows] = np.nan
        adata.layers["counts"] = sp.csr_matrix(X)
    mdata = md.MuData({"rna": rna, "prot": prot})
    with pytest.raises(ValueError, match=r"^2 cells have neither modality measured") as err:
        get_mosaic(mdata)
    fixed = _run_fix(str(err.value), mdata)
    assert fixed.n_obs == 58 and not fixed.obs_names.isin(rna.obs_names[[5, 7]]).any()
    assert get_mosaic(fixed).n_obs == 58

