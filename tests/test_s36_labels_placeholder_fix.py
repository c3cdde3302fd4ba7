"""fit's warning about scANVI-style "Unknown" reference labels, and its refusal of '' labels (the text of a missing
value), gave the fix obs[key] = obs[key].replace(..., np.nan): on a categorical column, the dtype anndata and mudata
keep text obs columns in, pandas warns that replace with CategoricalDtype is deprecated and will stop changing the
categories, so the suggested line raised a FutureWarning now and is to fail later. The fix is now
obs[key] = obs[key].where(~obs[key].isin([...])), run here verbatim from the messages, on categorical columns, with
every warning an error: afterwards those cells are unlabelled (the query) and fit neither warns nor refuses."""

from __future__ import annotations

import logging
import warnings

import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate

CFG = JAEConfig(max_epochs=1, n_svd=10)


def _run_fix(message: str, obs: pd.DataFrame) -> None:
    code = message[message.rindex(": obs[") + 2 :]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(code, {"obs": obs})


def test_the_unknown_label_warnings_fix_runs_on_a_categorical_column(caplog):
    m = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    labels = m.obs["cell_type"].astype(str)
    labels[m.obs["batch"].astype(str) == "s1d2"] = "Unknown"
    m.obs["labels"] = pd.Categorical(labels)
    with caplog.at_level(logging.WARNING, logger="jae"):
        JAE(CFG, device="cpu").fit(m, cell_type_key="labels", progress_bar=False)
    (said,) = [r.getMessage() for r in caplog.records if "scANVI" in r.getMessage()]
    assert said.endswith("obs['labels'] = obs['labels'].where(~obs['labels'].isin(['Unknown']))")
    _run_fix(said, m.obs)
    assert m.obs["labels"].isna().sum() == (labels == "Unknown").sum()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE(CFG, device="cpu").fit(m, cell_type_key="labels", progress_bar=False)
    assert "Unknown" not in model.cell_types and not [r for r in caplog.records if "scANVI" in r.getMessage()]


def test_the_empty_label_refusals_fix_runs_on_a_categorical_column():
    m = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    labels = m.obs["cell_type"].astype(str)
    labels.iloc[:30] = ""
    m.obs["cell_type"] = pd.Categorical(labels)
    with pytest.raises(ValueError, match=r"the text of a missing value") as refused:
        JAE(CFG, device="cpu").fit(m, progress_bar=False)
    assert str(refused.value).endswith("obs['cell_type'] = obs['cell_type'].where(~obs['cell_type'].isin(['']))")
    _run_fix(str(refused.value), m.obs)
    model = JAE(CFG, device="cpu").fit(m, progress_bar=False)
    assert "" not in model.cell_types and m.obs["cell_type"].isna().sum() == 30
