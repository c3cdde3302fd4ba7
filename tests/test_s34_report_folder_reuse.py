"""jae evaluate --out / jae.evaluate(report_dir=...) into a folder of the user's other files (session 34, report
audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main


@pytest.fixture(scope="module")
def data():
    m = jae.simulate(n_cells=120, seed=0)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    return m


def test_a_folder_of_other_files_takes_a_report_without_overwrite(data, tmp_path, no_scoring):
    """A report_dir holding only the user's files (the data's own folder) was refused, 'report_dir ... exists; pass
    overwrite=True to replace it', as if the folder would be replaced; nothing of theirs is, so the table is now
    written beside them; a folder with an earlier report is still refused."""
    (tmp_path / "notes.txt").write_text("mine")
    table = jae.evaluate(data, ["X_e"], report_dir=tmp_path, report=False, progress_bar=False)
    assert table.attrs["report"] == tmp_path / "metrics.md"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv", "metrics.md", "notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        jae.evaluate(data, ["X_e"], report_dir=tmp_path, report=False, progress_bar=False)


def test_the_cli_writes_into_the_datas_own_folder(data, tmp_path, no_scoring, monkeypatch):
    """jae evaluate --h5mu d.h5mu --out . (the folder holding d.h5mu) was refused: '--out . exists; pass --overwrite
    to replace it'; it now writes the table there, d.h5mu untouched."""
    from jae.io import write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    before = (tmp_path / "d.h5mu").read_bytes()
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "evaluate", "--h5mu", "d.h5mu", "--obsm", "X_e", "--out", ".", "--no-report"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5mu", "metrics.csv", "metrics.md"]
    assert (tmp_path / "d.h5mu").read_bytes() == before


def test_a_users_umap_png_is_not_replaced_without_overwrite(data, tmp_path, monkeypatch):
    """write_report (and jae evaluate --out) into a folder holding the user's own umap_X_pca.png (scanpy saves its
    figures so) replaced it with the UMAP of the embedding X_pca without overwrite=True, the folder holding no
    earlier report; it is now refused, naming the file, and kept."""
    import jae.report as report

    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    (tmp_path / "umap_X_pca.png").write_bytes(b"scanpy's")
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["X_pca"])
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match=r"umap_X_pca.png exists and is no file of an earlier report; move "
                                                  r"it out of"):
            report.write_report(table, {"X_pca": np.asarray(data.obsm["X_e"])}, tmp_path, overwrite=overwrite,
                                cell_type=data.obs["cell_type"], progress_bar=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["umap_X_pca.png"]
    assert (tmp_path / "umap_X_pca.png").read_bytes() == b"scanpy's"


def test_jae_evaluate_does_not_replace_a_users_umap_png(data, tmp_path, no_scoring, monkeypatch):
    """jae.evaluate(report_dir=...) into a folder holding the user's umap_X_e.png replaced it with the UMAP of X_e
    when overwrite=True (the report's files were all it was to replace); it is now refused, the file kept."""
    import jae.report as report

    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    (tmp_path / "umap_X_e.png").write_bytes(b"scanpy's")
    with pytest.raises(FileExistsError, match=r"umap_X_e.png exists and is no file of an earlier report"):
        jae.evaluate(data, ["X_e"], report_dir=tmp_path, overwrite=True, progress_bar=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["umap_X_e.png"]
    assert (tmp_path / "umap_X_e.png").read_bytes() == b"scanpy's"
