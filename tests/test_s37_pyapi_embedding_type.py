"""``predict_cell_type(embedding=...)`` (and ``jae.labels.unknown_scores``) given a number or a dict: one TypeError
naming what ``embedding`` takes. Before, "embedding has shape (), not (300, 56)" spoke of a shape the user never
gave."""

from __future__ import annotations

import pytest

from jae.labels import unknown_scores


@pytest.fixture(scope="module")
def fitted(default_fit):
    return default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0)), the cells


@pytest.mark.parametrize("given", [5, 2.5, True, {"a": 1}], ids=repr)
def test_predict_refuses_embedding_of_wrong_kind(fitted, given):
    model, mdata = fitted
    with pytest.raises(TypeError, match=r"^embedding must be this model's embed\(\) of the cells .*the obsm key "
                                        rf"holding it \(e\.g\. 'X_jae'\), or None, not {type(given).__name__} "):
        model.predict_cell_type(mdata, embedding=given)
    assert not any(c.startswith("jae_") for c in mdata.obs.columns)


def test_unknown_scores_refuses_a_number(fitted):
    model, _ = fitted
    with pytest.raises(TypeError, match=r"^embedding must be this model's embed\(\) of the cells \(.*\), not int 5$"):
        unknown_scores(model, 5)


def test_arrays_still_read(fitted):
    model, mdata = fitted
    emb = model.embed(mdata, key_added=None)
    given, computed = model.predict_cell_type(mdata, embedding=emb), model.predict_cell_type(mdata)
    assert given[["cell_type", "confidence", "unknown"]].equals(computed[["cell_type", "confidence", "unknown"]])
    assert abs(given["unknown_score"] - computed["unknown_score"]).max() < 1e-5
