"""A fitted model's parts shown as a notebook cell's last expression: ``model.calibration`` (the README points at its
``ece``), ``model.readout``, ``model.voters``, ``model.calibration_cells``, ``model.moments`` and a mapped model's
``model.adapter`` printed every array whole, 30 to 170 lines of numbers; each is now one short line naming its
numbers and the shapes of its arrays."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def mapped():
    mdata = jae.simulate(300, n_genes=300, n_peaks=400, seed=0)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0).fit(mdata, progress_bar=False)
    query = mdata[mdata.obs["batch"] == mdata.obs["batch"].iloc[0]].copy()
    query.obs["batch"] = "query_" + query.obs["batch"].astype(str)
    return model, model.map_query(query, progress_bar=False)


@pytest.mark.parametrize("part", ["calibration", "readout", "voters", "calibration_cells", "moments"])
def test_a_fitted_models_parts_show_in_one_short_line(mapped, part):
    value = getattr(mapped[0], part)
    shown = repr(value)
    assert "\n" not in shown and len(shown) < 700, shown
    assert shown.startswith(type(value).__name__ + "(")
    arrays = {k: v for k, v in vars(value).items() if isinstance(v, np.ndarray)}
    assert arrays
    for name, array in arrays.items():  # each array by its dtype and shape
        assert f"{name}=<{array.dtype} {'x'.join(map(str, array.shape))}>" in shown


def test_the_calibration_shows_its_numbers(mapped):
    cal = mapped[0].calibration
    assert f"ece={cal.ece:.4g}" in repr(cal) and f"n_heldout={cal.n_heldout}" in repr(cal)


def test_a_mapped_models_adapter_shows_in_one_line(mapped):
    adapter = mapped[1].adapter
    shown = repr(adapter)
    assert "\n" not in shown and len(shown) < 400, shown
    assert f"shift=<float32 {adapter.shift.shape[0]}x{adapter.shift.shape[1]}>" in shown
    assert repr(adapter.batches) in shown
