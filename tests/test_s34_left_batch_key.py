"""jae evaluate --batch-key batch (and jae.evaluate(..., batch_key='batch')) on data without a 'batch' column scored
all cells as one batch with a warning, as for the default: a column the user names that does not exist is refused
in one line, 'batch' too; the default, left out, still warns and scores."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def no_batch():
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=5)
    m.obs = m.obs.rename(columns={"batch": "sample"})
    for a in m.mod.values():
        a.obs = a.obs.drop(columns=[c for c in ("batch",) if c in a.obs.columns])
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    return m


def test_python_batch_key_batch_named_is_refused(no_batch):
    with pytest.raises(KeyError, match=r"no batch column 'batch' in obs .*'sample'.*; pass batch_key=<column>"):
        jae.evaluate(no_batch, ["X_e"], batch_key="batch")


def test_cli_batch_key_batch_named_is_refused(no_batch, tmp_path, capsys, caplog):
    path = tmp_path / "d.h5mu"
    no_batch.write(path)
    out = tmp_path / "r"
    assert main(["-q", "evaluate", "--h5mu", str(path), "--obsm", "X_e", "--batch-key", "batch",
                 "--out", str(out)]) != 0
    err = capsys.readouterr().err + caplog.text
    assert "no batch column 'batch' in obs" in err and "pass --batch-key COLUMN, or --batch-key none" in err
    assert "Traceback" not in err and not out.exists()


def test_the_default_batch_key_left_out_still_warns_and_scores(no_batch, caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        table = jae.evaluate(no_batch, ["X_e"], progress_bar=False)
    assert "no obs column 'batch': asw_batch is n/a" in caplog.text
    assert np.isnan(table.loc["X_e", "asw_batch"]) and np.isfinite(table.loc["X_e", "nmi"])
