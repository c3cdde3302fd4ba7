"""jae.impute of a MuData made by mudata.MuData(...) or read by mudata.read_h5mu (whose default pull copies each
modality's obs columns into the global obs as 'rna:batch', 'prot:batch', ...) returned obs holding every such column
twice or three times: 'rna:batch', 'prot:batch' (NaN for the imputed cells, which lack 'prot') and 'batch'. The
copies are now left out of the imputed table (cell_obs(..., pulled=False)); cell_obs itself, which fit and the
key lookups read ('rna:batch' stays a valid key), is unchanged."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


@pytest.fixture(scope="module")
def pulled(own_cite_model):
    import mudata as md

    from jae.datasets import simulate

    _, model = own_cite_model("s37_leftB_pulled_obs")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    rna, prot = q["rna"].copy(), q["prot"][:30].copy()  # 30 cells measured in RNA alone
    for a in (rna, prot):
        a.obs["batch"] = q.obs["batch"].reindex(a.obs_names).to_numpy()
        a.obs["qc"] = np.arange(a.n_obs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # MuData's pull of modality columns
        mdata = md.MuData({"rna": rna, "prot": prot})
    assert "rna:batch" in mdata.obs.columns
    return model, mdata


def test_imputed_obs_holds_each_column_once(pulled):
    import jae

    model, mdata = pulled
    out = jae.impute(model, mdata)
    assert out.n_obs == 30
    assert list(out.obs.columns) == ["batch", "qc", "jae_imputed"]
    assert out.obs["batch"].astype(str).tolist() == mdata["rna"].obs["batch"].reindex(out.obs_names).astype(str).tolist()


def test_cell_obs_keeps_the_prefixed_keys(pulled):
    from jae.io.cell_obs import cell_obs

    _, mdata = pulled
    assert {"rna:batch", "prot:batch", "batch"} <= set(cell_obs(mdata).columns)
    kept = cell_obs(mdata, pulled=False)
    assert "batch" in kept.columns and not any(":" in str(c) for c in kept.columns)
