"""A ``layer`` of the wrong type (a list, a tuple, a number) is refused in one line naming the argument, before any
work, by every public call that reads raw counts, instead of anndata's "unhashable type: 'list'" from deep inside
reading, or a KeyError saying the data lacks a layer ``('counts',)`` while listing ``'counts'`` among its layers."""

from __future__ import annotations

import pytest

import jae


@pytest.fixture(scope="module")
def fitted(default_fit):
    return default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0)), the cells


BAD = [["counts"], ("counts",), 5]


@pytest.mark.parametrize("layer", BAD, ids=repr)
def test_fit_refuses_layer_of_wrong_type(layer):
    mdata = jae.simulate(n_cells=300, seed=0)
    with pytest.raises(TypeError, match=r"^layer must name the layer with the raw counts .* or None for \.X, not "):
        jae.JAE(jae.JAEConfig(max_epochs=1)).fit(mdata, layer=layer, progress_bar=False)


@pytest.mark.parametrize("layer", BAD, ids=repr)
@pytest.mark.parametrize("call", ["embed", "latent", "predict_cell_type", "finetune", "map_query", "impute"])
def test_calls_refuse_layer_of_wrong_type(fitted, call, layer):
    model, mdata = fitted
    before = set(mdata.obsm)
    if call == "impute":
        run = lambda: jae.impute(model, mdata["rna"], layer=layer)  # noqa: E731
    else:
        run = lambda: getattr(model, call)(mdata, layer=layer)  # noqa: E731
    with pytest.raises(TypeError, match=r"^layer must name the layer with the raw counts .*, not "):
        run()
    assert set(mdata.obsm) == before  # nothing stored


def test_names_and_none_still_read(fitted):
    model, mdata = fitted
    a = model.embed(mdata, key_added=None)
    assert (model.embed(mdata, layer=None, key_added=None) == a).all()  # simulate keeps the counts in .X too
