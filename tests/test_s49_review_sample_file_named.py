"""Several samples' Cell Ranger files share one file name (SAMPLE/outs/filtered_feature_bc_matrix.h5), so their
messages and log lines name each by its path (session 49 review), not by that shared name; one file as before."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae.io import InputFiles
from conftest import write_10x

GENES = [f"G{i}" for i in range(6)]


def _sample(tmp_path, name, empty_cell=False):
    X = np.random.default_rng(0).poisson(1.0, (5, 9)) + 1
    if empty_cell:
        X[2, 6:] = 0  # a barcode without peak counts (an empty droplet's)
    (tmp_path / name / "outs").mkdir(parents=True)
    return write_10x(tmp_path / name / "outs" / "filtered_feature_bc_matrix.h5", X,
                     GENES + ["chr1:1-9", "chr1:20-29", "chr2:1-5"], ["Gene Expression"] * 6 + ["Peaks"] * 3)


def test_each_sample_file_named_by_its_path(tmp_path, caplog):
    a, b = _sample(tmp_path, "a"), _sample(tmp_path, "b", empty_cell=True)
    with pytest.raises(ValueError, match=r"^Cell Ranger file \S*b/outs/filtered_feature_bc_matrix.h5 holds barcodes "
                       r"without counts: 1 of 5 barcodes have no 'atac' counts"):
        InputFiles(tenx=[a, b]).read()
    with caplog.at_level(logging.INFO, logger="jae.io.cellranger"):
        InputFiles(tenx=[a, _sample(tmp_path, "c")]).read()
    assert f"read {a}: 5 cells" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae.io.cellranger"):
        InputFiles(tenx=a).read()  # one file: named by its file name, as before
    assert "read filtered_feature_bc_matrix.h5: 5 cells" in caplog.text
    with pytest.raises(ValueError, match=r"^Cell Ranger file filtered_feature_bc_matrix.h5 holds barcodes without"):
        InputFiles(tenx=b).read()
