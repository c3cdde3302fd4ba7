"""Session 35: jae.report.write_report lists a Categorical's labels in its categories' order (lineage stages as the
user set them, as scanpy draws them), but jae.evaluate (and jae evaluate) handed it plain arrays, so the report's
UMAP legends sorted the cell types and batches by name whatever order obs held."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
import jae.report
from jae.datasets import simulate


@pytest.fixture()
def drawn(monkeypatch):
    seen = []
    monkeypatch.setattr(jae.report, "umap_coordinates", lambda E, **kw: np.asarray(E, dtype=np.float32)[:, :2])
    monkeypatch.setattr(jae.report, "plot_umaps", lambda coords, cell_type, batch, path, **kw: (
        seen.append((cell_type, batch)), path.write_bytes(b"png"))[1])
    return seen


def test_the_report_legends_keep_the_obs_columns_category_order(drawn, tmp_path):
    m = simulate(120, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 5)).astype(np.float32)
    types = sorted(set(m.obs["cell_type"].astype(str)), reverse=True)
    m.obs["cell_type"] = pd.Categorical(m.obs["cell_type"].astype(str), categories=types)
    m.obs["batch"] = pd.Categorical(m.obs["batch"].astype(str), categories=["s1d2", "s1d1"])
    m.obs["plain"] = m.obs["cell_type"].astype(str)
    table = jae.evaluate(m, ["X_e"], pseudotime_keys=[], report_dir=tmp_path / "r", progress_bar=False)
    (cell_type, batch), = drawn
    assert list(cell_type.categories) == types and list(batch.categories) == ["s1d2", "s1d1"]
    assert list(np.asarray(cell_type, dtype=object)) == list(m.obs["cell_type"].astype(str))
    again = jae.evaluate(m, ["X_e"], cell_type_key="plain", pseudotime_keys=[], report_dir=tmp_path / "s",
                         progress_bar=False)
    assert isinstance(drawn[1][0], np.ndarray)  # a column of text: as it was, sorted by name in the legend
    pd.testing.assert_frame_equal(table, again)
