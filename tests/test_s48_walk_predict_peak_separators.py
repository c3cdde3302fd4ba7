"""A query whose peaks are the predictor's intervals named with other separators (``chr1:100-200`` for
``chr1-100-200``, as Signac and ArchR write them) was refused as '600 of the predictor's 600 features are missing
and 600 are extra', while the joint model matches such peaks by their interval (session 48's walk, BMMC Multiome
starter ATAC -> GEX). The predictor now finds them the same way, in memory and from a file, with the same
prediction; other chromosome spellings (``1`` for ``chr1``) stay refused, as the joint model refuses them."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.prediction import ModalityPredictor
from jae.prediction import predict as predict_fn


def _atac_gex(n: int = 80, *, seed: int = 0, prefix: str = "c"):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    peaks = [f"chr{1 + j % 3}-{1000 * j + 10}-{1000 * j + 510}" for j in range(30)]
    atac = rng.poisson(np.exp(0.5 * z @ np.random.default_rng(1).normal(size=(2, 30)) - 0.5)).astype(np.float32)
    gex = rng.poisson(np.exp(0.5 * z @ np.random.default_rng(2).normal(size=(2, 12)) + 1.0)).astype(np.float32)
    obs = pd.DataFrame(index=[f"{prefix}{i}" for i in range(n)])
    src = ad.AnnData(sp.csr_matrix(atac), obs=obs, var=pd.DataFrame({"feature_types": "ATAC"}, index=peaks))
    tgt = ad.AnnData(sp.csr_matrix(gex), obs=obs.copy(),
                     var=pd.DataFrame({"feature_types": "GEX"}, index=[f"G{j}" for j in range(12)]))
    src.layers["counts"], tgt.layers["counts"] = src.X.copy(), tgt.X.copy()
    return src, tgt


def _colons(adata: ad.AnnData) -> ad.AnnData:
    out = adata.copy()
    out.var_names = [v.replace("-", ":", 1) for v in out.var_names]
    return out


def test_peaks_named_with_a_colon_are_found_by_their_interval(tmp_path):
    src, tgt = _atac_gex()
    query, _ = _atac_gex(20, seed=3, prefix="q")
    model = ModalityPredictor("ridge").fit(src, tgt)
    expected = model.predict(query).X
    renamed = _colons(query)[:, ::-1].copy()  # other separators, in another order
    np.testing.assert_array_equal(model.predict(renamed).X, expected)
    renamed.write_h5ad(tmp_path / "q.h5ad")
    np.testing.assert_allclose(model.predict(tmp_path / "q.h5ad").X, expected, rtol=1e-6, atol=1e-6)
    together = predict_fn(src, tgt, _colons(query), method="ridge", progress_bar=False)
    np.testing.assert_allclose(together.X, expected, rtol=1e-6, atol=1e-6)


def test_another_chromosome_spelling_stays_refused():
    src, tgt = _atac_gex()
    query, _ = _atac_gex(20, seed=3, prefix="q")
    model = ModalityPredictor("mean").fit(src, tgt)
    bare = query.copy()
    bare.var_names = [v[3:] for v in bare.var_names]  # '1-10-510': chr1 is not 1
    with pytest.raises(ValueError, match=r"features differ from the predictor's: 30 of the predictor's 30 features"):
        model.predict(bare)
