"""Session 38: a model whose history holds an infinite loss (a diverging term) was saved with it as null and loaded
back as NaN, so the value changed on the way; it is now written as standard JSON's ``1e999`` (``-1e999``) and loads
as the same infinity, NaN still as null -> NaN, and every JSON reader accepts the file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def model():
    data = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    return JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(data, cell_type_key="cell_type",
                                                                          progress_bar=False)


def test_infinite_and_nan_history_values_survive_save_and_load(model, tmp_path):
    history = model.history.copy()
    history.loc[0, "phase"], history.loc[0, "batch"], history.loc[0, "reconstruction"] = np.inf, -np.inf, np.nan
    model.history = history
    path = model.save(tmp_path / "model")
    text = (path / "model.json").read_text()
    json.loads(text, parse_constant=lambda token: pytest.fail(f"non-standard JSON token {token}"))
    loaded = JAE.load(path).history
    assert loaded.loc[0, "phase"] == np.inf and loaded.loc[0, "batch"] == -np.inf
    assert np.isnan(loaded.loc[0, "reconstruction"])
    assert loaded.loc[0, "total"] == history.loc[0, "total"]
