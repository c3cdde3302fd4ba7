"""Session 39: jae evaluate / jae.evaluate into a folder holding an earlier report and a user's own umap_<name>.png
(no file of that report) asked for --overwrite first, then, given it, refused the user's file, which --overwrite does
not lift. The user's file is now refused first, whatever names the report's row (an obsm key, a file's
uns['method_id'], the baseline); a folder with an earlier report alone still asks for --overwrite."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(100, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    return m


def _earlier_report(folder, *umaps):
    """A folder holding an earlier report (its tables and index.html showing ``umaps``)."""
    folder.mkdir(exist_ok=True)
    for name in ("metrics.csv", "metrics.md"):
        (folder / name).write_text("earlier")
    (folder / "index.html").write_text("".join(f'<img src="{u}">' for u in umaps))
    for u in umaps:
        (folder / u).write_text("earlier")


@pytest.mark.parametrize("baseline, png", [(False, "umap_X_e.png"), (True, "umap_svd_baseline.png")])
def test_a_users_umap_is_said_before_the_earlier_report(data, tmp_path, baseline, png):
    _earlier_report(tmp_path / "r", "umap_other.png")
    (tmp_path / "r" / png).write_text("mine")
    with pytest.raises(FileExistsError, match=rf"{png} exists and is no file of an earlier report"):
        jae.evaluate(data, ["X_e"], baseline=baseline, report_dir=tmp_path / "r", progress_bar=False)
    assert (tmp_path / "r" / png).read_text() == "mine"


def test_the_earlier_report_alone_still_asks_for_overwrite(data, tmp_path):
    _earlier_report(tmp_path / "r", "umap_X_e.png")  # its own UMAP: replaced with overwrite
    with pytest.raises(FileExistsError, match="pass overwrite=True to replace its earlier report"):
        jae.evaluate(data, ["X_e"], report_dir=tmp_path / "r", progress_bar=False)


def test_cli_names_the_users_umap_of_a_files_method_id(data, tmp_path, caplog):
    from jae.cli import main

    data["rna"].write_h5ad(tmp_path / "rna.h5ad")
    data["atac"].write_h5ad(tmp_path / "atac.h5ad")
    emb = ad.AnnData(data.obsm["X_e"], obs=data.obs[[]].copy(), uns={"method_id": "mymethod"})
    emb.write_h5ad(tmp_path / "e.h5ad")
    _earlier_report(tmp_path / "r", "umap_other.png")
    (tmp_path / "r" / "umap_mymethod.png").write_text("mine")
    args = ["-q", "evaluate", "--mod1", str(tmp_path / "rna.h5ad"), "--mod2", str(tmp_path / "atac.h5ad"),
            "--prediction", str(tmp_path / "e.h5ad"), "--out", str(tmp_path / "r")]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "umap_mymethod.png exists and is no file of an earlier report" in said[0], said
    assert "--overwrite" not in said[0] and said[0].endswith("or choose another --out"), said
