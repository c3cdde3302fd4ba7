"""add_imputed_layer given an AnnData instead of a MuData: one line naming the MuData it needs."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae.imputation import add_imputed_layer


def test_add_imputed_layer_into_an_anndata_names_the_muData_it_needs():
    """It failed with AttributeError: 'AnnData' object has no attribute 'mod'."""
    prot = ad.AnnData(np.ones((3, 2), np.float32), obs=pd.DataFrame(index=["a", "b", "c"]),
                      var=pd.DataFrame(index=["p1", "p2"]))
    imputed = ad.AnnData(np.zeros((1, 2), np.float32), obs=pd.DataFrame(index=["b"]), var=pd.DataFrame(index=["p1", "p2"]))
    imputed.uns["jae_imputed"] = {"modality": "prot", "kind": "ADT", "method": "decoder"}
    with pytest.raises(TypeError, match=r"^mdata must be a MuData, whose modality 'prot' takes the layer, not AnnData: "
                                        r"pass a MuData holding it \(e\.g\. mudata\.MuData\(\{'prot': adata\}\)\), or "
                                        r"write the prediction to its own file"):
        add_imputed_layer(prot, imputed, "prot")
    assert not prot.layers and not prot.uns  # untouched

