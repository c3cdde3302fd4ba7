"""Session 44 consistency review: an embedding given with its columns named (jae embed's .h5ad read back: var_names
are model.column_names; a DataFrame with those columns) was read by position, so the same embedding with its columns
in another order (the AnnData's var sorted, the frame's columns picked by name) gave other labels and confidences,
silently (on a simulated set most cells' labels changed). Named columns that are the model's are now read by name."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.labels import unknown_scores


@pytest.fixture(scope="module")
def embedded():
    cells = jae.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=4, n_batches=2, seed=3)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0, device="cpu").fit(cells.copy(), progress_bar=False)
    data = cells.copy()
    E = model.embed(data)
    return model, data, E


def _variants(model, data, E):
    names = list(model.column_names)
    frame = pd.DataFrame(E, index=data.obs_names, columns=names)
    written = ad.AnnData(E, obs=pd.DataFrame(index=data.obs_names), var=pd.DataFrame(index=names))
    written.uns["jae"] = data.uns["jae"]
    return frame, [frame[names[::-1]], written[:, sorted(names)].copy()]


def test_named_columns_in_another_order_are_read_by_name(embedded):
    model, data, E = embedded
    frame, moved = _variants(model, data, E)
    want = model.predict_cell_type(data, embedding=frame)
    for given in moved:
        pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding=given), want)
        pd.testing.assert_frame_equal(model.predict_cell_type(None, embedding=given), want)
    scores = unknown_scores(model, frame)
    for given in moved:
        got = unknown_scores(model, given)
        for key, values in scores.items():
            np.testing.assert_allclose(got[key], values, rtol=1e-6, atol=1e-7)


def test_columns_not_named_so_are_read_by_position_as_before(embedded):
    model, data, E = embedded
    want = model.predict_cell_type(data, embedding=E)
    plain = pd.DataFrame(E, index=data.obs_names)  # columns 0..n-1
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding=plain), want)
    other = pd.DataFrame(E, index=data.obs_names, columns=[f"c{i}" for i in range(E.shape[1])][::-1])
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding=other), want)
