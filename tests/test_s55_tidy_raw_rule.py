"""Session 55: the feature types a pre-read check takes from a stored .h5ad (jae.workflows._files._feature_types) follow
jae.io.raw's one rule for layer='raw' (jae.io.raw.raw_applies: a layer named 'raw' first, else .raw), which it stated
again in its own code; the file reader (jae.io.paired_files._counts_location) asks the same function. The types it reads
are those of the AnnData the file is read as (read_h5ad and resolve_raw), for every layout and layer."""

from __future__ import annotations

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pytest

import jae.io.raw as raw_module
from jae.io.raw import resolve_raw
from jae.workflows._files import _feature_types

X_TYPES = ["Gene Expression", "Peaks"]
RAW_TYPES = ["Gene Expression", "Antibody Capture"]


def _write(path, *, raw: bool, raw_layer: bool):
    var = pd.DataFrame({"feature_types": X_TYPES}, index=["g1", "p1"])
    adata = ad.AnnData(X=np.ones((3, 2), dtype=np.float32), var=var)
    if raw_layer:
        adata.layers["raw"] = adata.X.copy()
    if raw:
        adata.raw = ad.AnnData(X=np.ones((3, 2), dtype=np.float32),
                               var=pd.DataFrame({"feature_types": RAW_TYPES}, index=["g1", "a1"]))
    adata.write_h5ad(path)
    return path


@pytest.mark.parametrize("layer", [None, "counts", "raw"])
@pytest.mark.parametrize("raw_layer", [False, True])
@pytest.mark.parametrize("raw", [False, True])
def test_types_are_those_of_the_data_read(tmp_path, raw, raw_layer, layer):
    path = _write(tmp_path / "both.h5ad", raw=raw, raw_layer=raw_layer)
    read = resolve_raw(ad.read_h5ad(path), layer, where="both.h5ad")
    with h5py.File(path, "r") as f:
        types = _feature_types(f, layer)
    assert sorted(types) == sorted(pd.unique(read.var["feature_types"].astype(str)))
    assert sorted(types) == sorted(RAW_TYPES if raw and not raw_layer and layer == "raw" else X_TYPES)


def test_the_rule_is_jae_io_raws(tmp_path, monkeypatch):
    path = _write(tmp_path / "both.h5ad", raw=True, raw_layer=True)
    with h5py.File(path, "r") as f:
        assert sorted(_feature_types(f, "raw")) == sorted(X_TYPES)  # the layer named 'raw' wins
        monkeypatch.setattr(raw_module, "raw_applies", lambda layers, layer: True)
        assert sorted(_feature_types(f, "raw")) == sorted(RAW_TYPES)
