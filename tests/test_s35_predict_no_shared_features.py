"""Query cells sharing no feature with the predictor (another peak set, panel or organism, named in the same scheme)
were told to train on 'the features both have', of which there are none; they are told now that nothing is shared
and what helps. Cells lacking only some features are told as before."""

from __future__ import annotations

import pytest

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

NONE = ("none of these cells' features is one of them (another gene panel, organism or peak set): predict from the "
        "features the predictor was trained on (for ATAC: count the cells' fragments in its peaks), or train one on "
        "cells measured like these")


def test_no_shared_feature_is_named_as_such():
    atac, gex = paired(60, seed=0, target="GEX")
    atac.var["feature_types"] = "ATAC"
    atac.var_names = [f"chr1-{1000 * i}-{1000 * i + 500}" for i in range(atac.n_vars)]
    query = paired(10, seed=1, prefix="q")[0]
    query.var["feature_types"] = "ATAC"
    query.var_names = [f"chr1-{1000 * i + 137}-{1000 * i + 611}" for i in range(query.n_vars)]  # another peak set
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(atac, gex, progress_bar=False)
    for call in (lambda: model.predict(query),
                 lambda: jae.predict(atac, gex, query, method="mean", progress_bar=False)):
        with pytest.raises(ValueError) as err:
            call()
        assert str(err.value).endswith("; " + NONE) and "features both have" not in str(err.value)
    with pytest.raises(ValueError, match=r"1 of the predictor's 40 features is missing .*train a new one on the "
                                         r"features these cells have"):  # some shared: as before
        model.predict(_some_shared(query, atac))


def _some_shared(query, atac):
    query = query.copy()
    query.var_names = list(atac.var_names[:-1]) + ["chr9-1-2"]
    return query
