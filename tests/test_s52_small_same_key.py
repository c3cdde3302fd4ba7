"""One obs column named as both the cell type and the batch (session 52): fit trained without a word, its cell-type
block learning the batches to keep while its batch block learned them to take out. Fit now refuses it in one line, in
the caller's words, before any data is read; jae evaluate already refused it (its batch metrics would score the cell
types), and still does."""

from __future__ import annotations

import logging

import pytest

import jae
import jae.io.plan as plan_module
from jae.cli import main


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_fit_refuses_one_column_as_cell_type_and_batch_before_reading(monkeypatch):
    mdata = jae.simulate(150, n_genes=400)
    before = mdata.obs.copy()
    real = plan_module.plan_input
    monkeypatch.setattr(plan_module, "plan_input", lambda *a, **k: pytest.fail("data read before the keys' check"))
    with pytest.raises(ValueError) as info:
        jae.JAE(jae.JAEConfig(max_epochs=1)).fit(mdata, cell_type_key="batch", batch_key="batch", progress_bar=False)
    said = str(info.value)
    assert said.startswith("cell_type_key and batch_key both name the obs column 'batch'"), said
    assert "pass cell_type_key=<column>" in said and "\n" not in said
    assert mdata.obs.equals(before)
    monkeypatch.setattr(plan_module, "plan_input", real)  # unsupervised mode reads no labels: the same name is fine
    model = jae.JAE(jae.JAEConfig(mode="unsupervised", max_epochs=1), seed=0)
    model.fit(mdata, cell_type_key="batch", batch_key="batch", progress_bar=False)
    assert model.is_fitted


def test_cli_fit_and_evaluate_refuse_it_naming_the_flags(tmp_path, caplog):
    data = tmp_path / "sim.h5mu"
    assert main(["-q", "simulate", "--n-cells", "120", "--n-genes", "300", "--n-peaks", "400", "--format", "h5mu",
                 str(data)]) == 0
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "fit", "--h5mu", str(data), "--cell-type-key", "batch", "--batch-key", "batch",
                     "--out", str(tmp_path / "model")]) == 1
    (said,) = _errors(caplog)
    assert said.startswith("--cell-type-key and --batch-key both name the obs column 'batch'"), said
    assert "pass --cell-type-key COLUMN" in said and "_key" not in said
    assert not (tmp_path / "model").exists()
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):  # the batch metrics would score the cell types: refused too
        assert main(["-q", "evaluate", "--h5mu", str(data), "--baseline", "--cell-type-key", "batch", "--batch-key",
                     "batch", "--out", str(tmp_path / "report")]) == 1
    (said,) = _errors(caplog)
    assert said.startswith("--batch-key and --cell-type-key both name the obs column 'batch'"), said
    assert not (tmp_path / "report").exists()
