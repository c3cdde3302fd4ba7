"""Session 35: jae.evaluate's docstring said a report_dir "that is not empty is refused before any work unless
overwrite=True", but a folder of the user's other files (the data's own folder) is written into without overwrite;
only an earlier report is refused. The docstring now says what happens."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate


def test_report_dir_refuses_an_earlier_report_only_as_documented(tmp_path):
    doc = " ".join(jae.evaluate.__doc__.split())
    assert "A folder that is not empty is refused" not in doc
    assert "A folder holding an earlier report" in doc and "are left alone, without ``overwrite``" in doc
    m = simulate(100, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    (tmp_path / "notes.txt").write_text("mine")
    jae.evaluate(m, ["X_e"], pseudotime_keys=[], report_dir=tmp_path, report=False, progress_bar=False)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "metrics.md").is_file()
    with pytest.raises(FileExistsError, match="overwrite"):
        jae.evaluate(m, ["X_e"], pseudotime_keys=[], report_dir=tmp_path, report=False, progress_bar=False)
