"""A scanpy user's MuData whose RNA holds fewer cells than the proteins, with ``sc.pp.pca`` run on the RNA: scoring
its ``X_pca`` was refused with "store the embedding in the global obsm (one row per cell)", which the user cannot do
for cells the embedding never saw (session 48's walk). The refusal now names the subset that scores the cells the
embedding holds, and that subset scores."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae


pytestmark = pytest.mark.usefixtures("mudata_without_pulls")  # conftest: for these tests alone


def test_the_refusal_names_the_subset_that_scores():
    rng = np.random.default_rng(0)
    n = 90
    cells = [f"c{i}" for i in range(n)]
    types = np.repeat(["a", "b", "c"], n // 3)
    rna = ad.AnnData(rng.poisson(1.0, (n, 20)).astype(np.float32), obs=pd.DataFrame(index=cells),
                     var=pd.DataFrame(index=[f"g{j}" for j in range(20)]))
    prot = ad.AnnData(rng.poisson(5.0, (n, 6)).astype(np.float32), obs=pd.DataFrame(index=cells),
                      var=pd.DataFrame(index=[f"p{j}" for j in range(6)]))
    rna = rna[:60].copy()
    rna.obsm["X_pca"] = rng.normal(size=(60, 4)) + (types[:60, None] == "a") * 3.0
    mdata = md.MuData({"rna": rna, "prot": prot})
    mdata.obs["cell_type"] = types
    mdata.obs["batch"] = np.tile(["x", "y"], n // 2)
    with pytest.raises(ValueError) as err:
        jae.evaluate(mdata, ["X_pca"], progress_bar=False)
    assert str(err.value) == (
        "obsm['X_pca'] of modality 'rna' lacks 30 of the data's 90 cells; score the cells it holds, "
        "jae.evaluate(mdata[mdata['rna'].obs_names], ...), or store the embedding of every cell in the global obsm "
        "(one row per cell)")
    scores = jae.evaluate(mdata[mdata["rna"].obs_names], ["X_pca"], progress_bar=False)
    assert np.isfinite(scores.loc["X_pca", "nmi"])
