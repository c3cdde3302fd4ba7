"""jae.imputation.add_imputed_layer given the model's name of the imputed modality ('prot', as jae.impute records
it) for a MuData that calls that modality 'adt' (session 35): a second protein modality 'prot' was added beside 'adt'
without a word (a MuData jae then refuses: two ADT modalities). It is now refused, naming 'adt', and the fix writes
the layer there."""

from __future__ import annotations

import re

import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.datasets import simulate
from jae.imputation import add_imputed_layer


def test_the_models_name_for_a_modality_the_mudata_names_otherwise_is_refused_with_its_name(own_cite_model):
    _, model = own_cite_model("s35_mosaic_impute_layer_name")
    q = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=9)
    prot = q["prot"].layers["counts"]
    prot = (prot.toarray() if sp.issparse(prot) else np.asarray(prot)).astype(np.float32)
    prot[:25] = np.nan  # cells 0-24: RNA alone (jae's NaN-row layout)
    adt = q["prot"].copy()
    adt.layers["counts"], adt.X = prot, prot.copy()
    mdata = md.MuData({"rna": q["rna"].copy(), "adt": adt})
    imputed = jae.impute(model, mdata, modality="adt")
    name = imputed.uns["jae_imputed"]["modality"]
    assert name == "prot"
    with pytest.raises(ValueError, match=r"^mdata has no modality 'prot' but holds the ADT modality 'adt'") as err:
        add_imputed_layer(mdata, imputed, name)
    assert list(mdata.mod) == ["rna", "adt"]
    fixed = re.search(r"pass modality=('adt') to write the layer there", str(err.value)).group(1)
    add_imputed_layer(mdata, imputed, eval(fixed))
    layer = mdata["adt"].layers["jae_imputed"]
    assert list(mdata.mod) == ["rna", "adt"] and np.isnan(layer[25:]).all()
    np.testing.assert_array_equal(layer[:25], imputed.X)
