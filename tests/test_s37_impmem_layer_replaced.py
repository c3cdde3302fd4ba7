"""add_imputed_layer replacing an earlier prediction (jae_imputed written twice, e.g. after a refit) made the new
layer while the earlier one was still held: twice the layer's memory, and the memory check counted the earlier layer
as taken, so a replacement the same size as a layer that fitted was refused. The earlier prediction is now released
(after every refusal, before the new layer is made) and counted as free; the new layer holds the same values as a
first write."""

from __future__ import annotations

import tracemalloc

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd

from jae.imputation import add_imputed_layer


def _case(n_cells: int = 2000, n_peaks: int = 3000):
    rng = np.random.default_rng(0)
    cells = [f"c{i}" for i in range(n_cells)]
    peaks = [f"chr1-{10 * k}-{10 * k + 5}" for k in range(n_peaks)]
    atac = ad.AnnData(obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=peaks))
    imputed = ad.AnnData(X=rng.normal(size=(n_cells // 2, n_peaks)).astype(np.float32),
                         obs=pd.DataFrame(index=cells[::2]), var=pd.DataFrame(index=peaks))
    imputed.uns["jae_imputed"] = {"modality": "atac", "kind": "ATAC", "method": "decoder", "scale": "log",
                                  "from": "rna"}
    return md.MuData({"atac": atac}), imputed


def test_the_earlier_prediction_is_released_before_its_replacement_is_made():
    mdata, imputed = _case()
    tracemalloc.start()  # traced from before the first layer, so that holding it is counted
    try:
        add_imputed_layer(mdata, imputed, "atac")
        layer_bytes = mdata["atac"].layers["jae_imputed"].nbytes  # 24 MB
        tracemalloc.reset_peak()
        add_imputed_layer(mdata, imputed, "atac")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < layer_bytes * 1.3, (peak / 1e6, layer_bytes / 1e6)  # before: the new layer beside the earlier
    layer = mdata["atac"].layers["jae_imputed"]
    np.testing.assert_array_equal(layer[::2], imputed.X)
    assert np.isnan(layer[1::2]).all() and mdata["atac"].uns["jae_imputed"]["method"] == "decoder"


def test_a_replacement_the_size_of_the_earlier_layer_is_not_refused(monkeypatch):
    import jae.io.plan

    mdata, imputed = _case(40, 30)
    add_imputed_layer(mdata, imputed, "atac")
    monkeypatch.setattr(jae.io.plan, "available_memory", lambda: 1000)  # less than the 4.8 kB layer
    add_imputed_layer(mdata, imputed, "atac")  # the earlier one's 4.8 kB are released first
    np.testing.assert_array_equal(mdata["atac"].layers["jae_imputed"][::2], imputed.X)


def test_a_refused_replacement_keeps_the_earlier_prediction():
    import pytest

    mdata, imputed = _case(40, 30)
    add_imputed_layer(mdata, imputed, "atac")
    first = mdata["atac"].layers["jae_imputed"].copy()
    other = imputed.copy()
    other.var_names = [f"chr9-{k}-{k + 1}" for k in range(other.n_vars)]
    with pytest.raises(ValueError, match="none of the 30 features predicted"):
        add_imputed_layer(mdata, other, "atac")
    np.testing.assert_array_equal(mdata["atac"].layers["jae_imputed"], first)
    assert mdata["atac"].uns["jae_imputed"]["method"] == "decoder"
