"""Session 37: jae evaluate --out DATA_FOLDER, run twice, said "--out DATA_FOLDER exists; pass --overwrite to replace
it": read as if --overwrite would replace the folder, the user's data in it too, though it replaces only the earlier
report's files. The refusal now names those files and says the others are kept (jae.evaluate: report_dir)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(100, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=4)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 5))
    return m


def test_the_refusal_names_the_earlier_reports_files_and_keeps_the_others(data, no_scoring, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    jae.evaluate(data, ["X_e"], report_dir=tmp_path, report=False, progress_bar=False)
    with pytest.raises(FileExistsError) as err:
        jae.evaluate(data, ["X_e"], report_dir=tmp_path, report=False, progress_bar=False)
    assert str(err.value) == (f"report_dir {tmp_path} exists; pass overwrite=True to replace its earlier report "
                              "(metrics.csv, metrics.md; other files there are kept) or choose another report_dir")
    jae.evaluate(data, ["X_e"], report_dir=tmp_path, report=False, overwrite=True, progress_bar=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_cli_says_so_in_its_flags(data, no_scoring, tmp_path, caplog, monkeypatch):
    from jae.io import write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    monkeypatch.chdir(tmp_path)
    args = ["-q", "evaluate", "--h5mu", "d.h5mu", "--obsm", "X_e", "--out", ".", "--no-report"]
    assert main(args) == 0
    assert main(args) == 1
    assert ("--out . exists; pass --overwrite to replace its earlier report (metrics.csv, metrics.md; other files "
            "there are kept) or choose another --out") in caplog.text
