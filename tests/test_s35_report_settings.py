"""Session 35: the report said how many cells, types and batches were scored, but not which obs columns gave the
cell types and batches, how many cells were left out, the seed, the neighbour search, where each embedding came
from (a --prediction NAME=FILE row named no file) nor jae's version: a reader could not tell what produced it."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(200, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=1)
    m.obsm["X_stored"] = np.random.default_rng(0).normal(size=(m.n_obs, 6)).astype(np.float32)
    m.obs["annotation"] = m.obs["cell_type"].astype(object)
    m.obs.loc[m.obs_names[:30], "annotation"] = np.nan
    return m


def test_the_description_names_columns_left_out_cells_seed_knn_sources_and_version(data, tmp_path):
    path = tmp_path / "pred.h5ad"
    ad.AnnData(X=np.asarray(data.obsm["X_stored"]) * 2, obs=pd.DataFrame(index=data.obs_names)).write_h5ad(path)
    table = jae.evaluate(data, {"stored": "X_stored", "given": np.asarray(data.obsm["X_stored"]), "run": str(path)},
                         cell_type_key="annotation", pseudotime_keys=[], seed=3, progress_bar=False)
    text = table.attrs["description"]
    assert text.startswith("170 cells, 3 cell types, 2 batches, pseudotimes: none, organism: human. ")
    assert ("Cell types: obs['annotation'] (30 of 200 cells without one left out); batches: obs['batch']; seed: 3; "
            f"kNN: exact; embeddings: stored = obsm['X_stored'], given = values passed in, run = file {path}; "
            f"jae {jae.__version__}.") in text


def test_the_description_says_when_there_is_no_batch_column(data):
    table = jae.evaluate(data, ["X_stored"], batch_key=None, pseudotime_keys=[], progress_bar=False)
    assert "Cell types: obs['cell_type']; batches: none given (all cells one batch); seed: 0;" in \
        table.attrs["description"]


def test_metrics_md_opens_with_the_description_the_cli_table_does_not(data, tmp_path):
    """--no-report writes metrics.csv and metrics.md alone: neither said what was scored, or how."""
    from jae.report import table_markdown

    table = jae.evaluate(data, ["X_stored"], pseudotime_keys=[], report_dir=tmp_path / "r", report=False,
                         progress_bar=False)
    text = (tmp_path / "r" / "metrics.md").read_text(encoding="utf-8")
    assert text == table.attrs["description"] + "\n\n" + table_markdown(table)
    assert text.startswith("200 cells, 3 cell types, 2 batches, ") and "Cell types: obs['cell_type']; " in text
    assert table_markdown(table).startswith("| embedding |")
