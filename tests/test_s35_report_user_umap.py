"""Session 35: a file of the user's in the report folder named as one of the report's UMAPs (scanpy saves
umap_<key>.png) was refused only once every embedding was scored and every UMAP drawn (minutes to hours at atlas
size, all lost); it is now refused before any scoring, naming the file and, in the CLI, --out."""

from __future__ import annotations

import numpy as np
import pytest

import jae
import jae.metrics
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(100, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    return m


def _no_scoring(*args, **kwargs):
    raise AssertionError("scored before the folder was checked")


@pytest.mark.parametrize("baseline, png", [(False, "umap_X_e.png"), (True, "umap_svd_baseline.png")])
def test_a_users_umap_png_is_refused_before_any_scoring(data, tmp_path, monkeypatch, baseline, png):
    (tmp_path / png).write_text("mine")
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _no_scoring)
    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", _no_scoring)
    with pytest.raises(FileExistsError, match=rf"{png} exists and is no file of an earlier report; move it out of "
                                              r".* or choose another report_dir$"):
        jae.evaluate(data, ["X_e"], baseline=baseline, report_dir=tmp_path, progress_bar=False)
    assert (tmp_path / png).read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == [png]


def test_the_tables_alone_leave_a_users_umap_png_be(data, tmp_path):
    (tmp_path / "umap_X_e.png").write_text("mine")
    jae.evaluate(data, ["X_e"], pseudotime_keys=[], report_dir=tmp_path, report=False, progress_bar=False)
    assert (tmp_path / "umap_X_e.png").read_text() == "mine" and (tmp_path / "metrics.md").is_file()


def test_the_cli_names_out(tmp_path):
    from jae.cli._messages import cli_message

    err = FileExistsError(f"{tmp_path}/umap_X_e.png exists and is no file of an earlier report; move it out of "
                          f"{tmp_path} or choose another report_dir")
    assert cli_message(str(err)).endswith("or choose another --out")
