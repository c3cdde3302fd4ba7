"""jae.impute(model, mdata) of mosaic data whose cells lack each modality (some RNA alone, some the other alone) and
no modality= computed every cell's input features (the SVD projections of all their counts) before it refused the
call with 'cells lack 'rna' and cells lack 'prot'; pass modality= to choose which to impute'. It is now refused
before that work, as jae embed --impute-out refuses it; with modality= the imputation is that of before."""

from __future__ import annotations

import mudata
import numpy as np
import pytest

import jae
import jae.query.features as query_features_module


@pytest.fixture(scope="module")
def three_way(own_cite_model):
    model = own_cite_model("s52_mapreview_impute")[1]
    cells = jae.simulate(90, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=7)
    names = cells.obs_names
    data = mudata.MuData({"rna": cells["rna"][names[:60]].copy(), "prot": cells["prot"][names[30:]].copy()})
    return model, data


def test_cells_lacking_each_are_refused_before_their_features(three_way, monkeypatch):
    model, data = three_way
    computed = []
    real = query_features_module.query_features

    def counted(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(query_features_module, "query_features", counted)
    with pytest.raises(ValueError, match=r"^cells lack 'rna' and cells lack 'prot'; pass modality= to choose which"):
        jae.impute(model, data)
    assert not computed  # refused before any cell's features were computed
    out = jae.impute(model, data, modality="prot")  # the fix, as before
    assert computed and out.n_obs == 30 and np.isfinite(out.X).all()
    assert list(out.obs_names) == list(data.obs_names[:30])
