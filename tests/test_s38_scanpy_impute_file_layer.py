"""jae.impute(model, "x.h5mu", layer='raw') on paired cells (nothing to impute), counts kept in each modality's .raw as
scanpy keeps them: while wording the fix it opened the file again with the default layer and failed with a traceback,
KeyError "modality 'rna' has no layer 'counts' ...". It now opens it with the layer given and says there is nothing to
impute, with the call that predicts from one modality alone, which runs."""

from __future__ import annotations

import re

import anndata
import mudata
import numpy as np
import pytest

import jae


def test_file_with_counts_in_raw(tmp_path, own_cite_model):
    _, model = own_cite_model("s38_impute_file_layer")
    m = jae.simulate(50, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=12)
    mods = {}
    for key in ("rna", "prot"):
        counts = m[key].layers["counts"].copy()
        adata = anndata.AnnData(X=counts, obs=m.obs[["batch"]].copy(), var=m[key].var.copy())
        adata.raw = adata.copy()
        adata.X = np.log1p(counts.multiply(1e4 / counts.sum(axis=1)).tocsr())  # normalised, counts in .raw
        mods[key] = adata
    path = tmp_path / "raw.h5mu"
    mudata.MuData(mods).write(path)
    with pytest.raises(ValueError, match="nothing to impute") as err:
        jae.impute(model, str(path), layer="raw")
    call = re.search(r"e\.g\. (jae\.impute\(.*\))$", str(err.value)).group(1)
    assert call.endswith("['rna'], layer='raw')"), call
    out = eval(call, {"jae": jae, "model": model, "mudata": mudata, "anndata": anndata})
    assert out.shape == (50, 15)
