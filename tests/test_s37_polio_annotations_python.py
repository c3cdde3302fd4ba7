"""Session 37 (polio): annotation files replacing a column the files hold, from Python.

jae.io.InputFiles(..., annotations=[finer.h5ad]).read() and jae.io.join_annotations(mdata, finer.h5ad), where the
files' own obs hold cell_type and the annotation file other labels, gave one warning per modality about "the global
obs" of a MuData the user never built, suggesting a rename. The CLI path (PairedFiles.load) had been fixed; the fix
now lives in the one join every path uses, so the Python paths say nothing either, with the same values.
"""

from __future__ import annotations

import logging

import anndata as ad
import pandas as pd
import pytest

import jae
from jae.io.cell_obs import cell_obs


@pytest.fixture
def files(tmp_path):
    jae.datasets.write_simulated(tmp_path / "sim", n_cells=120, kind="cite", preset=None, seed=2)
    mod1, mod2 = tmp_path / "sim.mod1.h5ad", tmp_path / "sim.mod2.h5ad"
    own = ad.read_h5ad(mod1, backed="r").obs.copy()
    cells = own.index[:90]
    finer = pd.DataFrame({"cell_type": [f"fine{i % 4}" for i in range(90)]}, index=cells)
    ad.AnnData(obs=finer).write_h5ad(tmp_path / "finer.h5ad")
    return mod1, mod2, tmp_path / "finer.h5ad", own, finer


def _check(mdata, own, finer, caplog):
    obs = cell_obs(mdata)
    assert [r.getMessage() for r in caplog.records if "holds other values" in r.getMessage()] == []
    got = obs["cell_type"].astype(str)
    assert (got.loc[finer.index] == finer["cell_type"]).all()
    rest = own.index[90:]
    assert (got.loc[rest].to_numpy() == own.loc[rest, "cell_type"].astype(str).to_numpy()).all()


def test_input_files_read_with_replacing_annotations_warns_nothing(files, caplog):
    mod1, mod2, path, own, finer = files
    caplog.set_level(logging.INFO, logger="jae")
    mdata = jae.io.InputFiles(mod1=mod1, mod2=mod2, annotations=[path]).read()
    _check(mdata, own, finer, caplog)


def test_join_annotations_replacing_a_column_warns_nothing(files, caplog):
    mod1, mod2, path, own, finer = files
    caplog.set_level(logging.INFO, logger="jae")
    mdata = jae.io.join_annotations(jae.io.read_competition(mod1, mod2), path)
    _check(mdata, own, finer, caplog)


def test_join_annotations_keeping_the_data_column_keeps_it(files, caplog):
    mod1, mod2, path, own, _ = files
    caplog.set_level(logging.INFO, logger="jae")
    mdata = jae.io.join_annotations(jae.io.read_competition(mod1, mod2), path, replace_existing=False)
    assert all("cell_type" in m.obs.columns for m in mdata.mod.values())  # nothing replaced, nothing taken away
    got = cell_obs(mdata)["cell_type"].astype(str)
    assert (got.to_numpy() == own["cell_type"].astype(str).to_numpy()).all()


def test_a_users_mudata_without_the_column_in_its_global_obs_keeps_the_modalities(files):
    """Where mdata.obs does not hold the column, the modalities' values are the only ones: they are not taken away."""
    import mudata as md

    mod1, _, path, own, _ = files
    rna = ad.read_h5ad(mod1)
    previous = md.set_options(pull_on_update=False).opts
    try:
        mdata = md.MuData({"rna": rna})
    finally:
        md.set_options(**previous)
    assert "cell_type" not in mdata.obs.columns
    jae.io.join_annotations(mdata, path)
    assert (mdata["rna"].obs["cell_type"].astype(str) == own["cell_type"].astype(str)).all()
