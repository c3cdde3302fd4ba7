"""jae fit (supervised) of several Cell Ranger files without labels names the files and the fix for several samples
(session 49 review): not 'a Cell Ranger file ... (and --batch-key none for a single sample)'; one file as before."""

from __future__ import annotations

import logging

import numpy as np

from jae.cli import main
from conftest import write_10x


def _pair(tmp_path):
    genes = [f"G{i}" for i in range(6)]
    paths = []
    for i, name in enumerate("ab"):
        X = np.random.default_rng(i).poisson(1.0, (5, 9)) + 1
        paths.append(write_10x(tmp_path / f"{name}.h5", X, genes + ["chr1:1-9", "chr1:20-29", "chr2:1-5"],
                               ["Gene Expression"] * 6 + ["Peaks"] * 3))
    return paths


def test_several_files_without_labels(tmp_path, caplog):
    a, b = _pair(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), str(b), "--out", str(tmp_path / "M")]) == 1
    assert ("the 2 Cell Ranger files (a, b) hold no cell-type labels (no obs column 'cell_type'), so supervised mode "
            "cannot run: pass --mode unsupervised, or --annotations FILE with a 'cell_type' column (cells named "
            "BARCODE-SAMPLE, e.g. AAACAGCCAAGGAATC-1-s1)") in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), "--out", str(tmp_path / "M")]) == 1
    assert ("a Cell Ranger file holds no cell-type labels (no obs column 'cell_type'), so supervised mode cannot run: "
            "pass --mode unsupervised (and --batch-key none for a single sample), or --annotations FILE") in caplog.text
    assert not (tmp_path / "M").exists()
