"""add_imputed_layer held, beside the layer, a whole second copy of the prediction (``imputed.X[:, keep]``, made at
once before it was written into the layer): for RNA-only cells' peaks that doubled the memory the call needed. The
prediction is now written into the layer a block of rows at a time (no copy at all when every predicted feature is one
of the modality's), with the same values in the same places."""

from __future__ import annotations

import tracemalloc

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

from jae.imputation import add_imputed_layer


def _case(n_cells: int, n_peaks: int, extra: int, seed: int = 0):
    """A modality of ``n_cells`` x ``n_peaks`` (+ ``extra`` peaks the model lacks) and a prediction for its odd cells,
    whose peaks come in another order (+ ``extra`` the modality lacks when ``extra``)."""
    rng = np.random.default_rng(seed)
    cells = [f"c{i}" for i in range(n_cells)]
    peaks = [f"chr1-{10 * k}-{10 * k + 5}" for k in range(n_peaks)]
    atac = ad.AnnData(obs=pd.DataFrame(index=cells), var=pd.DataFrame(
        index=peaks + [f"chr2-{10 * k}-{10 * k + 5}" for k in range(extra)]))
    predicted = list(rng.permutation(peaks)) + [f"chr3-{10 * k}-{10 * k + 5}" for k in range(extra)]
    imputed = ad.AnnData(X=rng.normal(size=(n_cells // 2, len(predicted))).astype(np.float32),
                         obs=pd.DataFrame(index=cells[1::2]), var=pd.DataFrame(index=predicted))
    imputed.uns["jae_imputed"] = {"modality": "atac", "kind": "ATAC", "method": "decoder", "scale": "log",
                                  "from": "rna"}
    return md.MuData({"atac": atac}), imputed


def _expected(mdata, imputed):
    """The layer as add_imputed_layer wrote it before (one fancy-indexed assignment of the whole selection)."""
    adata = mdata["atac"]
    layer = np.full(adata.shape, np.nan, dtype=np.float32)
    rows = adata.obs_names.get_indexer(imputed.obs_names)
    cols = adata.var_names.get_indexer(imputed.var_names)
    keep = cols >= 0
    layer[np.ix_(rows, cols[keep])] = imputed.X[:, keep]
    return layer


@pytest.mark.parametrize("extra", [0, 3])
def test_the_layer_holds_the_same_values_without_a_second_copy_of_the_prediction(extra):
    mdata, imputed = _case(4000, 3000, extra)
    expected = _expected(mdata, imputed)
    layer_bytes = expected.nbytes  # 48 MB; the prediction: half of it
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        add_imputed_layer(mdata, imputed, "atac")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    layer = mdata["atac"].layers["jae_imputed"]
    assert layer.dtype == np.float32
    np.testing.assert_array_equal(layer, expected)  # NaN in the same places, the same bits elsewhere
    # before: the layer + a copy of the prediction (1.5x the layer); now the layer + at most 16 MB of it
    assert peak < layer_bytes + imputed.X.nbytes * 0.75, (peak / 1e6, layer_bytes / 1e6)
    if not extra:  # every predicted peak is the modality's: no copy at all
        assert peak < layer_bytes * 1.1, (peak / 1e6, layer_bytes / 1e6)
