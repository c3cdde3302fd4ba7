"""Results stored in a view of a MuData (``model.embed(mdata[:50])``): a copy of its own, without MuData's warnings."""

from __future__ import annotations

import warnings

import numpy as np

import jae
from jae.storage import store_obsm


def test_storing_into_a_mudata_view_warns_nothing_and_leaves_the_viewed_data():
    mdata = jae.simulate(80, kind="cite", seed=1, n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2)
    view = mdata[:30]
    values = np.arange(60, dtype=np.float32).reshape(30, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: two FutureWarnings of MuData's copy ('.update() will not pull ...')
        store_obsm(view, values, view.obs_names, "X_jae")
    assert not view.is_view and np.array_equal(view.obsm["X_jae"], values)
    assert "X_jae" not in mdata.obsm
