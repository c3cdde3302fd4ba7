"""jae.imputation.add_imputed_layer given a view of a MuData (``mdata[cells]``, as scanpy users subset): adding the
modality the cells lack failed with anndata's "Value passed for key 'rna' is of incorrect shape. Values of varm must
match ..." after the view was already changed, and writing a layer of an existing modality raised anndata's
ImplicitModificationWarning (an error under warnings-as-errors). The view now becomes an object of its own holding
the prediction, as embed stores its results in a view, and the MuData it views is left as it was."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

import jae
from jae.imputation import add_imputed_layer


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(150, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)


def _frozen(mdata):
    return {name: (a.n_obs, sorted(a.layers.keys())) for name, a in mdata.mod.items()}, mdata.shape


def test_new_modality_into_a_view(cells, own_cite_model):
    _, model = own_cite_model("s38_layer_view_new")
    mdata = md.MuData({"rna": cells["rna"].copy()})  # RNA alone: the proteins are imputed for every cell
    before = _frozen(mdata)
    view = mdata[np.arange(mdata.n_obs) < 60]
    imputed = jae.impute(model, view)
    add_imputed_layer(view, imputed, "prot")
    assert not view.is_view and list(view.mod) == ["rna", "prot"]
    np.testing.assert_array_equal(view["prot"].layers["jae_imputed"], imputed.X)
    assert view["prot"].obs_names.equals(imputed.obs_names)
    assert _frozen(mdata) == before and "prot" not in mdata.mod


def test_layer_into_a_modality_of_a_view(cells, own_cite_model):
    _, model = own_cite_model("s38_layer_view_rows")
    prot = cells["prot"].copy()
    counts = prot.layers["counts"].toarray().astype(np.float32)
    counts[:50] = np.nan  # jae's in-memory mosaic layout: proteins not measured in the first 50 cells
    prot.layers["counts"] = counts
    prot.X = counts
    mdata = md.MuData({"rna": cells["rna"].copy(), "prot": prot})
    before = _frozen(mdata)
    view = mdata[np.arange(mdata.n_obs) >= 20]  # 30 of the unmeasured cells
    imputed = jae.impute(model, view)
    assert imputed.n_obs == 30
    add_imputed_layer(view, imputed, "prot")  # anndata's warning on writing into a view: an error here
    layer = view["prot"].layers["jae_imputed"]
    np.testing.assert_array_equal(layer[:30], imputed.X)
    assert np.isnan(layer[30:]).all()
    assert _frozen(mdata) == before
