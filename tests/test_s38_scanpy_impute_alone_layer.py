"""jae.impute on paired cells (nothing to impute) names the call that predicts a modality from the other alone; for
counts kept elsewhere than the default layer (scanpy's ``.raw``, ``layer='raw'``; a layer of another name) that
call dropped the layer, so the one it suggested failed ("the AnnData has no layer 'counts'") or read the normalised
``.X`` ("looks normalised"). Each suggested call now passes the layer on, and runs."""

from __future__ import annotations

import re

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae


@pytest.fixture(scope="module")
def paired():
    m = jae.simulate(100, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    return m


def _suggested(err: pytest.ExceptionInfo) -> str:
    found = re.search(r"e\.g\. (jae\.impute\(model, .*\))$", str(err.value))
    assert found, str(err.value)
    return found.group(1)


def test_one_anndata_with_counts_in_raw(paired, own_cite_model):
    _, model = own_cite_model("s38_impute_alone_raw")
    counts = sp.hstack([paired["rna"].layers["counts"], paired["prot"].layers["counts"]]).tocsr()
    var = pd.DataFrame({"feature_types": ["Gene Expression"] * 200 + ["Antibody Capture"] * 15},
                       index=list(paired["rna"].var_names) + list(paired["prot"].var_names))
    adata = ad.AnnData(X=counts, obs=paired.obs[["batch"]].copy(), var=var)
    adata.raw = adata.copy()
    adata.X = np.log1p(counts.multiply(1e4 / counts.sum(axis=1)).tocsr())  # scanpy's normalise + log1p
    with pytest.raises(ValueError, match="nothing to impute") as err:
        jae.impute(model, adata, layer="raw")
    call = _suggested(err)
    assert "layer='raw'" in call
    out = eval(call, {"jae": jae, "model": model, "adata": adata})  # the fix as the message words it
    assert out.shape == (adata.n_obs, 15) and np.isfinite(out.X).all()


def test_mudata_with_counts_in_a_layer_of_another_name(paired, own_cite_model):
    _, model = own_cite_model("s38_impute_alone_umi")
    mods = {}
    for name, key in (("gex", "rna"), ("adt", "prot")):
        counts = paired[key].layers["counts"].copy()
        mods[name] = ad.AnnData(X=np.log1p(counts.multiply(0.5)).tocsr(), obs=paired.obs[["batch"]].copy(),
                                var=paired[key].var.copy(), layers={"umi": counts})  # .X normalised
    mdata = md.MuData(mods)
    with pytest.raises(ValueError, match="nothing to impute") as err:
        jae.impute(model, mdata, layer="umi")
    call = _suggested(err)
    assert call == "jae.impute(model, mdata['gex'], layer='umi')"
    out = eval(call, {"jae": jae, "model": model, "mdata": mdata})
    assert out.shape == (mdata.n_obs, 15)


def test_default_layer_call_unchanged(paired, own_cite_model):
    _, model = own_cite_model("s38_impute_alone_default")
    with pytest.raises(ValueError, match="nothing to impute") as err:
        jae.impute(model, paired.copy())
    assert _suggested(err) == "jae.impute(model, mdata['rna'])"
