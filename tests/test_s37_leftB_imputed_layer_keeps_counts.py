"""add_imputed_layer(mdata, imputed, 'prot', key='counts') replaced the modality's raw counts layer with the
prediction (NaN for every measured cell), without a word: the counts were lost. A layer that holds no earlier
prediction (no uns[key] record of one) is now refused in one line naming the fix (another key, or deleting the layer
first); an earlier prediction under the key is replaced, as before, with a log line."""

from __future__ import annotations

import logging

import numpy as np
import pytest


@pytest.fixture(scope="module")
def setup(own_cite_model):
    import jae
    from jae.datasets import simulate
    from jae.io import make_mudata

    _, model = own_cite_model("s37_leftB_imputed_counts")
    q = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    imputed = jae.impute(model, make_mudata({"rna": q["rna"].copy(), "prot": q["prot"][:20].copy()}))
    return q, imputed


def test_counts_layer_is_not_replaced(setup):
    from jae.imputation import add_imputed_layer
    from jae.io import make_mudata

    q, imputed = setup
    mdata = make_mudata({"rna": q["rna"].copy(), "prot": q["prot"].copy()})
    counts = mdata["prot"].layers["counts"].copy()
    with pytest.raises(ValueError, match=r"^mdata\['prot'\]\.layers\['counts'\] holds values add_imputed_layer did "
                                         r"not write .*del mdata\['prot'\]\.layers\['counts'\]"):
        add_imputed_layer(mdata, imputed, "prot", key="counts")
    assert (mdata["prot"].layers["counts"] != counts).nnz == 0


def test_an_earlier_prediction_is_replaced(setup, caplog):
    from jae.imputation import add_imputed_layer
    from jae.io import make_mudata

    q, imputed = setup
    mdata = make_mudata({"rna": q["rna"].copy(), "prot": q["prot"].copy()})
    add_imputed_layer(mdata, imputed, "prot")
    first = mdata["prot"].layers["jae_imputed"].copy()
    with caplog.at_level(logging.INFO, logger="jae.imputation.run"):
        add_imputed_layer(mdata, imputed, "prot")
    assert "held an earlier prediction; it is replaced" in caplog.text
    np.testing.assert_array_equal(mdata["prot"].layers["jae_imputed"], first)
