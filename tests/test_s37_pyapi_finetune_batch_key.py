"""``JAE.finetune`` with a ``batch_key`` that is not a column name: the TypeError ``fit`` gives, in one line. Before,
a number gave a KeyError suggesting ``data.obs[5] = 'sample1'`` and a list pandas' "unhashable type: 'list'"."""

from __future__ import annotations

import pytest

import jae


@pytest.fixture(scope="module")
def fitted(default_fit):
    return default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0)), the cells


@pytest.mark.parametrize("key", [5, ["batch"], ("batch",)], ids=repr)
def test_finetune_batch_key_not_a_name(fitted, key):
    model, mdata = fitted
    history = len(model.history)
    with pytest.raises(TypeError, match=r"^batch_key must name one obs column \(a string\) or be None, not "):
        model.finetune(mdata, batch_key=key, progress_bar=False)
    assert len(model.history) == history  # nothing trained
    with pytest.raises(TypeError, match=r"^batch_key must name one obs column \(a string\) or be None, not "):
        jae.JAE(jae.JAEConfig(max_epochs=1)).fit(mdata, batch_key=key, progress_bar=False)  # the same words
