"""add_imputed_layer into a modality whose var_names (or obs_names) repeat a name failed with pandas' 'Reindexing only
valid with uniquely valued Index objects'; a prediction whose var_names repeat a name was written with one of the two
columns' values and NaN in the other, without a word. Each is now refused in one line naming the fix
(var_names_make_unique / obs_names_make_unique on the named object); unique names are written as before."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


@pytest.fixture(scope="module")
def setup(own_cite_model):
    import jae
    from jae.datasets import simulate
    from jae.io import make_mudata

    _, model = own_cite_model("s37_leftB_imputed_repeats")
    q = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    imputed = jae.impute(model, make_mudata({"rna": q["rna"].copy(), "prot": q["prot"][:20].copy()}))
    return q, imputed


def _target(q, *, var: int | None = None, obs: int | None = None):
    from jae.io import make_mudata

    prot = q["prot"].copy()
    if var is not None:
        names = list(prot.var_names)
        names[var + 1] = names[var]
        prot.var_names = names
    if obs is not None:
        names = list(prot.obs_names)
        names[-1] = names[obs]
        prot.obs_names = names
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # MuData's own warning on repeated obs_names
        return make_mudata({"rna": q["rna"].copy(), "prot": prot})


def test_repeated_feature_of_the_modality_is_refused(setup):
    from jae.imputation import add_imputed_layer

    q, imputed = setup
    with pytest.raises(ValueError, match=r"^mdata\['prot'\]\.var_names repeat 1 feature name .*"
                                         r"mdata\['prot'\]\.var_names_make_unique\(\)"):
        add_imputed_layer(_target(q, var=2), imputed, "prot")


def test_repeated_cell_of_the_modality_is_refused(setup):
    from jae.imputation import add_imputed_layer

    q, imputed = setup
    with pytest.raises(ValueError, match=r"^mdata\['prot'\]\.obs_names repeat 1 cell name"):
        add_imputed_layer(_target(q, obs=0), imputed, "prot")


def test_repeated_feature_of_the_prediction_is_refused(setup):
    from jae.imputation import add_imputed_layer

    q, imputed = setup
    twice = imputed.copy()
    names = list(twice.var_names)
    names[1] = names[0]
    twice.var_names = names
    mdata = _target(q)
    with pytest.raises(ValueError, match=r"^imputed\.var_names repeat 1 feature name"):
        add_imputed_layer(mdata, twice, "prot")
    assert "jae_imputed" not in mdata["prot"].layers
    add_imputed_layer(mdata, imputed, "prot")  # unique names: written
    layer = mdata["prot"].layers["jae_imputed"]
    rows = mdata["prot"].obs_names.get_indexer(imputed.obs_names)
    np.testing.assert_array_equal(layer[rows][:, mdata["prot"].var_names.get_indexer(imputed.var_names)], imputed.X)
