"""Session 37: the report said which columns, seed and embeddings produced its scores, but not which data: two reports
of `jae evaluate` on different files read alike. The description (index.html, metrics.md) now names the data's files
and the annotation files joined to them, --baseline too; data passed in memory
names none."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(120, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 5))
    return m


@pytest.mark.parametrize("baseline", [False, True])
def test_the_report_names_the_data_and_annotation_files(data, no_scoring, tmp_path, baseline):
    from jae.io import write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    ad.AnnData(obs=pd.DataFrame({"label": data.obs["cell_type"].astype(str).to_numpy()}, index=data.obs_names)
               ).write_h5ad(tmp_path / "labels.h5ad")
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "d.h5mu"), "--annotations", str(tmp_path / "labels.h5ad"),
                 "--cell-type-key", "label", "--obsm", "X_e", "--out", str(tmp_path / "r"), "--no-report",
                 *(["--baseline"] if baseline else [])]) == 0
    first = (tmp_path / "r" / "metrics.md").read_text(encoding="utf-8").splitlines()[0]
    assert f"; data: {tmp_path / 'd.h5mu'} (annotations: {tmp_path / 'labels.h5ad'}); jae " in first


def test_data_in_memory_names_no_file(data, no_scoring):
    table = jae.evaluate(data, ["X_e"], pseudotime_keys=[], progress_bar=False)
    assert "data:" not in table.attrs["description"]
