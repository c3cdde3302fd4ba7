"""Model files written by earlier format versions keep loading and give the same embedding."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from jae import JAE

FIXTURES = Path(__file__).parent / "fixtures"


def _input(folder: Path, model: JAE) -> dict[str, ad.AnnData]:
    z = np.load(folder / "input.npz")
    mods = {}
    for i, name in enumerate(("rna", "atac")):
        X = sp.csr_matrix((z[f"{name}_data"], z[f"{name}_indices"], z[f"{name}_indptr"]), shape=tuple(z[f"{name}_shape"]))
        var = pd.DataFrame({"feature_types": model.preprocessor.kinds[i]}, index=model.preprocessor.var_names[i])
        mods[name] = ad.AnnData(X=X, obs=pd.DataFrame(index=z["obs_names"]), var=var, layers={"counts": X})
    return mods


def test_format_v1_model_loads_and_embeds_identically():
    folder = FIXTURES / "model_v1"
    model = JAE.load(folder / "model", device="cpu")
    assert model.layout.dim == 3 + 2 + 7
    assert model.readout is None  # format 1: the embedding is the raw latent
    Z = model.embed(_input(folder, model), key_added=None)
    np.testing.assert_allclose(Z, np.load(folder / "expected_embedding.npy"), rtol=1e-5, atol=1e-5)


def test_format_v2_model_loads_and_embeds_identically():
    folder = FIXTURES / "model_v2"
    model = JAE.load(folder / "model", device="cpu")
    assert model.readout is not None and len(model.column_names) == 3 + 30  # 3 cell types + 30 free units
    Z = model.embed(_input(folder, model), key_added=None)
    np.testing.assert_allclose(Z, np.load(folder / "expected_embedding.npy"), rtol=1e-5, atol=1e-5)
