"""Cells only a hashtag modality holds get NaN rows in obsm['X_jae'] (README); README's next step for a scanpy user,
sc.pp.neighbors(mdata, use_rep='X_jae'), then failed with scikit-learn's 'Input X contains NaN', and jae's warning
said only that the rows are NaN. The warning now names the subset that leaves those cells out, and that subset, run
as written, lets scanpy's neighbors and umap run on the MuData."""

from __future__ import annotations

import logging
import re

import mudata as md
import numpy
import pytest


@pytest.fixture(scope="module")
def fitted(hashtag_fit):
    model, data, _ = hashtag_fit()
    return model, data


@pytest.mark.parametrize("key_added", ["X_jae", "X_mine", None])
def test_nan_rows_warning_names_a_subset_scanpy_then_takes(fitted, key_added, caplog):
    sc = pytest.importorskip("scanpy")
    model, data = fitted
    data = data.copy()
    with caplog.at_level(logging.WARNING, logger="jae.storage"):
        E = model.embed(data, key_added=key_added)
    line = next(r.getMessage() for r in caplog.records if "are NaN" in r.getMessage())
    assert "\n" not in line and "scanpy's neighbors refuses" in line, line
    fix = re.search(r"e\.g\. (data = data\[.*?\]\.copy\(\))", line)
    assert fix is not None, line
    names = {"data": data, "numpy": numpy, "E": E}
    exec(fix.group(1), names)
    kept = names["data"]
    assert kept.n_obs == 200 and not kept.obs_names.str.startswith("EMPTY").any()
    if key_added is None:
        kept.obsm["X_jae"] = model.embed(kept, key_added=None)
    rep = key_added or "X_jae"
    sc.pp.neighbors(kept, use_rep=rep, n_neighbors=10)
    sc.tl.umap(kept)
    assert kept.obsm["X_umap"].shape == (200, 2)


def test_jae_embed_output_file_warning_names_the_subset_too(fitted, tmp_path, caplog):
    """The .h5mu copy jae embed writes holds the same NaN rows (jae.io.write.embedded_rows): its line names the same
    subset, which, run on the file read back, lets scanpy's neighbors run."""
    sc = pytest.importorskip("scanpy")
    from jae.cli import main

    model, data = fitted
    data.copy().write(tmp_path / "in.h5mu")
    model.save(tmp_path / "model")
    caplog.set_level(logging.WARNING, logger="jae")
    assert main(["embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "in.h5mu"), "--out",
                 str(tmp_path / "out.h5mu"), "--finetune-epochs", "0", "--device", "cpu"]) == 0
    line = next(r.getMessage() for r in caplog.records if "are NaN" in r.getMessage())
    fix = re.search(r"e\.g\. (mdata = mdata\[.*?\]\.copy\(\))", line)
    assert fix is not None, line
    names = {"mdata": md.read_h5mu(tmp_path / "out.h5mu"), "numpy": numpy}
    exec(fix.group(1), names)
    kept = names["mdata"]
    assert kept.n_obs == 200
    sc.pp.neighbors(kept, use_rep="X_jae", n_neighbors=10)
