"""An .h5mu whose modality marks cells it was not measured in by all-NaN rows (the mosaic layout jae reads in
memory) cannot be streamed: jae fit refused it with a fix that did not run (``[~unmeasured]``, a name never
defined). It is refused in one line, before anything is written, with a fix that runs and gives a file jae streams."""

from __future__ import annotations

import logging
import re
import warnings

import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def nan_h5mu(tmp_path_factory):
    path = tmp_path_factory.mktemp("nan_rows") / "nan.h5mu"
    m = simulate(120, kind="multiome", n_genes=200, n_peaks=200, n_batches=2, seed=0)
    atac = m.mod["atac"].copy()
    X = atac.layers["counts"].toarray().astype(np.float32)
    X[:15] = np.nan  # cells whose ATAC was not measured
    atac.layers["counts"] = sp.csr_matrix(X)
    atac.X = atac.layers["counts"].copy()
    mdata = md.MuData({"rna": m.mod["rna"], "atac": atac})
    mdata.obs = m.obs.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mdata.write(path)
    return path


def test_streaming_all_nan_rows_is_refused_with_a_fix_that_runs(nan_h5mu, tmp_path, caplog):
    assert InputFiles(h5mu=nan_h5mu).read().n_obs == 120  # in memory: the mosaic layout, read as it is
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["-q", "fit", "--h5mu", str(nan_h5mu), "--out", str(tmp_path / "m"), "--max-epochs", "1",
                   "--memory-budget", "1"])
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(errors) == 1 and not (tmp_path / "m").exists()
    assert "has 15 cells whose row is all NaN" in errors[0] and "--memory-budget SIZE" in errors[0]
    code = re.search(r"e\.g\. in Python: (.*m\.write\(NEW_FILE\))", errors[0]).group(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # mudata's notice of its next version's update()
        exec("import mudata; " + code, {"FILE": str(nan_h5mu), "NEW_FILE": str(tmp_path / "fixed.h5mu")})
    opened = InputFiles(h5mu=tmp_path / "fixed.h5mu").open(memory_budget=1)
    assert type(opened).__name__ == "MosaicFiles" and opened.observed.sum(axis=0).tolist() == [120, 105]
