"""Session 44 consistency review: predict_cell_type(None, embedding=E) (no data: the labels of an embedding alone)
agreed with predict_cell_type(data, embedding=E) on cell types and confidence, but its unknown call silently differed
for a model that keeps its fitted cells (every model fitted on 20,000 cells or fewer) or a mapped model: the embedding
holds new cells (and mapped batches) divided by the held-out scale, while the unknown call reads them as they are,
from their counts, which only the data gives (6 of 500 calls flipped on a simulated set). Without data the call is
now made as before, with a warning that says so and names the fix."""

from __future__ import annotations

import copy
import logging

import numpy as np
import pandas as pd
import pytest

import jae


@pytest.fixture(scope="module")
def fitted(new_cells_fit):
    model, cells = new_cells_fit()  # fitted on 70% of the cells: the other 30% are new cells
    return model, cells


def _said(caplog):
    return [r for r in caplog.records if "predict_cell_type(None, embedding=" in r.getMessage()]


def test_labels_without_data_warn_that_the_unknown_call_reads_new_cells_as_embedded(fitted, caplog):
    model, cells = fitted
    assert model.fit_cells is not None
    frame = pd.DataFrame(model.embed(cells, key_added=None), index=cells.obs_names)
    with caplog.at_level(logging.WARNING, logger="jae"):
        given = model.predict_cell_type(cells, embedding=frame)
    assert not _said(caplog)
    with caplog.at_level(logging.WARNING, logger="jae"):
        alone = model.predict_cell_type(None, embedding=frame)
    (line,) = _said(caplog)
    assert line.levelno == logging.WARNING and "pass the data the embedding was made from" in line.getMessage()
    assert alone.index.equals(given.index)
    pd.testing.assert_series_equal(alone["cell_type"], given["cell_type"])
    np.testing.assert_allclose(alone["confidence"], given["confidence"], rtol=1e-5, atol=1e-6)


def test_a_model_reading_every_cell_as_it_is_labels_an_embedding_alone_as_with_data_and_unwarned(fitted, caplog):
    model, cells = fitted
    plain = copy.deepcopy(model)
    plain.fit_cells = None  # as a model fitted on more than 20,000 cells, or saved before session 42
    frame = pd.DataFrame(plain.embed(cells, key_added=None), index=cells.obs_names)
    with caplog.at_level(logging.WARNING, logger="jae"):
        alone = plain.predict_cell_type(None, embedding=frame)
    assert not _said(caplog)
    pd.testing.assert_frame_equal(alone, plain.predict_cell_type(cells, embedding=frame), rtol=1e-5, atol=1e-6)


def test_a_mapped_models_labels_without_data_warn_for_its_mapped_batches(caplog):
    cells = jae.simulate(400, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=3, seed=4)
    batch = cells.obs["batch"].astype(str)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0, device="cpu").fit(
        cells[batch != "s1d3"].copy(), cell_type_key="cell_type", batch_key="batch", progress_bar=False)
    query = cells[batch == "s1d3"].copy()
    mapped = model.map_query(query.copy(), progress_bar=False)
    mapped.fit_cells = None  # the mapped batches alone are read otherwise by the call
    frame = pd.DataFrame(mapped.embed(query, key_added=None), index=query.obs_names)
    with caplog.at_level(logging.WARNING, logger="jae"):
        alone = mapped.predict_cell_type(None, embedding=frame)
    (line,) = _said(caplog)
    assert "its mapped batches' cells divided" in line.getMessage()
    pd.testing.assert_series_equal(alone["cell_type"], mapped.predict_cell_type(query, embedding=frame)["cell_type"])
