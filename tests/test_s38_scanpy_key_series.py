"""A column passed where its name goes (cell_type_key=mdata.obs['cell_type'], batch_key=obs['batch']) was refused
with the Series printed whole: some twenty lines of cell names and values, and no word of the fix. The refusal is
now one line saying it is the column itself and naming the argument to pass (its name)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig


@pytest.fixture(scope="module")
def cells():
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=8)
    m.obs["sample"] = "query_1"
    return m


def _one_line(err: pytest.ExceptionInfo, fix: str) -> None:
    text = str(err.value)
    assert "\n" not in text and "(the column itself): pass its name, " + fix in text, text


def test_fit(cells):
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu")
    with pytest.raises(TypeError) as err:
        model.fit(cells, cell_type_key=cells.obs["cell_type"], progress_bar=False)
    _one_line(err, "cell_type_key='cell_type'")
    with pytest.raises(TypeError) as err:
        model.fit(cells, batch_key=cells.obs["batch"], progress_bar=False)
    _one_line(err, "batch_key='batch'")
    with pytest.raises(TypeError) as err:  # a column without a name
        model.fit(cells, cell_type_key=cells.obs["cell_type"].rename(None), progress_bar=False)
    _one_line(err, "cell_type_key=<the obs column holding it>")
    with pytest.raises(TypeError, match=r"not a numpy array of 120 values$"):  # an array: its size, not its values
        model.fit(cells, cell_type_key=cells.obs["cell_type"].to_numpy(), progress_bar=False)


def test_map_query_and_finetune(cells, own_cite_model):
    _, model = own_cite_model("s38_key_series")
    with pytest.raises(TypeError) as err:
        model.map_query(cells, batch_key=cells.obs["sample"], progress_bar=False)
    _one_line(err, "batch_key='sample'")
    with pytest.raises(TypeError) as err:
        model.finetune(cells, batch_key=cells.obs["sample"], progress_bar=False)
    _one_line(err, "batch_key='sample'")
    with pytest.raises(ValueError, match=r"mapping needs batch_key, .* not 'none'"):  # unchanged
        model.map_query(cells, batch_key="none", progress_bar=False)


def test_evaluate(cells):
    embedding = {"e": np.random.default_rng(0).normal(size=(cells.n_obs, 4))}
    with pytest.raises(TypeError) as err:
        jae.evaluate(cells, embedding, cell_type_key=cells.obs["cell_type"], report=False, progress_bar=False)
    _one_line(err, "cell_type_key='cell_type'")
