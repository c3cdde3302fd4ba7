"""Session 37: an annotation file replacing a column that a MuData holds only in its modalities' obs left the cells it
lacks with missing values in mdata.obs, while the warning said they 'keep the data's own values'. The values are
unchanged; the warnings now say what happens and how to keep the modalities' values."""

from __future__ import annotations

import logging

import anndata as ad
import pandas as pd

from jae.datasets import simulate
from jae.io import join_annotations


def _data():
    m = simulate(40, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)
    for mod in m.mod.values():
        mod.obs["tissue"] = pd.Categorical(["lung"] * mod.n_obs)
    m.obs = m.obs.drop(columns=[c for c in m.obs.columns if "tissue" in c])
    return m


def _annotations(m, path, column="tissue"):
    ad.AnnData(obs=pd.DataFrame({column: pd.Categorical(["gut"] * 10)}, index=m.obs_names[:10])).write_h5ad(path)
    return path


def test_a_column_only_in_the_modalities_obs_is_said_to_go_missing(tmp_path, caplog):
    m = _data()
    with caplog.at_level(logging.WARNING, logger="jae"):
        join_annotations(m, _annotations(m, tmp_path / "a.h5ad"))
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert not any("keep the data's own values" in s for s in said), said
    assert any("['tissue'] only in the modalities' obs, not in mdata.obs, so the 30 cells it lacks get missing values"
               in s and "mdata.obs['tissue'] = mdata['rna'].obs['tissue']" in s for s in said), said
    assert m.obs["tissue"].isna().sum() == 30  # the values are as before: only the words changed


def test_the_suggested_fix_keeps_the_modalities_values(tmp_path, caplog):
    m = _data()
    m.obs["tissue"] = m["rna"].obs["tissue"]
    with caplog.at_level(logging.WARNING, logger="jae"):
        join_annotations(m, _annotations(m, tmp_path / "a.h5ad"))
    assert not any("only in the modalities' obs" in r.getMessage() for r in caplog.records)
    assert m.obs["tissue"].value_counts().to_dict() == {"lung": 30, "gut": 10}
