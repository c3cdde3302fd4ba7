"""jae.evaluate: what `jae evaluate` computes, callable from Python."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(300, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=1)
    m.obsm["X_pca_like"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    return m


def test_evaluate_scores_obsm_keys_and_arrays_and_writes_the_table_on_request(data, tmp_path):
    arr = np.asarray(data.obsm["X_pca_like"])
    table = jae.evaluate(data, {"stored": "X_pca_like", "given": arr}, seed=0, progress_bar=False)
    assert list(table.index) == ["stored", "given"]
    np.testing.assert_allclose(table.loc["stored"].to_numpy(float), table.loc["given"].to_numpy(float), equal_nan=True)
    assert "report" not in table.attrs and not any(tmp_path.iterdir())
    out = jae.evaluate(data, ["X_pca_like"], seed=0, report_dir=tmp_path / "r", report=False, progress_bar=False)
    assert (tmp_path / "r" / "metrics.csv").is_file() and out.attrs["report"] == tmp_path / "r" / "metrics.md"


def test_evaluate_names_a_missing_embedding_and_a_missing_label_column(data):
    with pytest.raises(KeyError, match="'X_nope' not found.*X_pca_like"):
        jae.evaluate(data, ["X_nope"], progress_bar=False)
    with pytest.raises(KeyError, match="cell_type_key"):
        jae.evaluate(data, ["X_pca_like"], cell_type_key="nope", progress_bar=False)
