"""Session 37: jae.evaluate handed its report a copy of every embedding (the rows of the cells with a cell type,
taken even when every cell has one), all held at once beside the originals while the UMAPs were drawn: an atlas
scored with several embeddings held each twice. With every cell scored the report now gets the arrays themselves;
with cells left out, their rows are still dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
import jae.report
from jae.datasets import simulate


@pytest.fixture
def seen(monkeypatch):
    def fake_score(E, *, cell_type, **kwargs):
        out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
        out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=[])
        return out

    got = {}

    def fake_report(table, embeddings, out_dir, **kwargs):
        got.update(embeddings)
        path = out_dir / "index.html"
        path.write_text("")
        return path

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", fake_score)
    monkeypatch.setattr(jae.report, "write_report", fake_report)
    return got


@pytest.fixture(scope="module")
def data():
    return simulate(100, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=3)


def test_the_report_gets_the_embeddings_themselves_when_every_cell_is_scored(data, seen, tmp_path):
    Z = np.random.default_rng(0).normal(size=(data.n_obs, 6)).astype(np.float32)
    jae.evaluate(data, {"a": Z, "b": Z[:, :3]}, pseudotime_keys=[], report_dir=tmp_path / "r", progress_bar=False)
    assert np.shares_memory(seen["a"], Z) and np.shares_memory(seen["b"], Z)


def test_cells_without_a_cell_type_are_still_left_out_of_the_report(data, seen, tmp_path):
    d = data.copy()
    d.obs["cell_type"] = d.obs["cell_type"].astype(object)
    d.obs.iloc[:10, d.obs.columns.get_loc("cell_type")] = np.nan
    Z = np.random.default_rng(0).normal(size=(d.n_obs, 6))
    jae.evaluate(d, {"a": Z}, pseudotime_keys=[], report_dir=tmp_path / "r", progress_bar=False)
    np.testing.assert_array_equal(seen["a"], Z[10:])
