"""Modality prediction on the real BMMC CITE starter files (competition layout): API and ``jae predict`` CLI."""

from __future__ import annotations

import hashlib
import json
import warnings

import anndata as ad
import numpy as np
import pytest

from jae.cli import main
from jae.prediction import PredictConfig
from jae.prediction import predict as predict_fn

NAMES = ("train_mod1", "train_mod2", "test_mod1", "test_mod2")


def _read(path):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*without encoding metadata.*", category=PendingDeprecationWarning)
        return ad.read_h5ad(path)


@pytest.fixture(scope="module")
def cite_files(data_dir):
    folder = data_dir / "neurips2021_starter" / "predict_modality" / "cite"
    return {k: folder / f"openproblems_bmmc_cite_starter.{k}.h5ad" for k in NAMES}


def test_gex_to_adt_on_the_starter_beats_the_mean(cite_files):
    data = {k: _read(p) for k, p in cite_files.items()}
    truth = data["test_mod2"].X.toarray()
    cfg = PredictConfig(n_members=2, max_epochs=100)
    rmse = {}
    for method in ("mean", "jae"):
        pred = predict_fn(data["train_mod1"], data["train_mod2"], data["test_mod1"], method=method, config=cfg,
                          progress_bar=False)  # fmt: skip
        assert list(pred.obs_names) == list(data["test_mod1"].obs_names)
        assert list(pred.var_names) == list(data["train_mod2"].var_names)
        rmse[method] = float(np.sqrt(np.mean((pred.X - truth) ** 2)))
    assert rmse["jae"] < 0.7 * rmse["mean"], rmse


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_writes_the_competition_prediction_format(cite_files, tmp_path, monkeypatch):
    """The file ``jae predict`` writes, not how well it predicts (test_gex_to_adt_on_the_starter_beats_the_mean): the
    CLI's predictor trains 2 members for 3 epochs each (both dropout rates tried, as by default) instead of the default
    5 members of up to 300 epochs, the bulk of this test's time."""
    from jae.prediction import api

    monkeypatch.setattr(api, "PredictConfig", lambda: PredictConfig(n_members=2, max_epochs=3))
    before = {k: _digest(p) for k, p in cite_files.items()}
    out = tmp_path / "pred.h5ad"
    args = ["-q", "predict", "--train-mod1", str(cite_files["train_mod1"]), "--train-mod2",
            str(cite_files["train_mod2"]), "--test-mod1", str(cite_files["test_mod1"]), "--output", str(out)]  # fmt: skip
    assert main(args + ["--save-model", str(tmp_path / "model")]) == 0
    pred, test1, train2 = ad.read_h5ad(out), _read(cite_files["test_mod1"]), _read(cite_files["train_mod2"])
    assert pred.shape == (test1.n_obs, train2.n_vars) == (289, 134)
    assert list(pred.obs_names) == list(test1.obs_names)
    assert list(pred.var_names) == list(train2.var_names)
    assert pred.uns["dataset_id"] == test1.uns["dataset_id"] and pred.uns["method_id"] == "jae"
    assert isinstance(pred.X, np.ndarray) and pred.X.dtype == np.float32
    meta = json.loads((tmp_path / "model" / "model.json").read_text())
    assert (meta["config"]["n_members"], meta["config"]["max_epochs"]) == (2, 3)  # the settings the run trained with
    assert not list(tmp_path.glob(".*tmp*"))  # atomic write left no temporary file
    assert {k: _digest(p) for k, p in cite_files.items()} == before  # inputs untouched


def test_cli_refuses_to_write_over_an_input(cite_files, caplog):
    before = _digest(cite_files["test_mod1"])
    args = ["-q", "predict", "--train-mod1", str(cite_files["train_mod1"]), "--train-mod2",
            str(cite_files["train_mod2"]), "--test-mod1", str(cite_files["test_mod1"]), "--method", "mean",
            "--output", str(cite_files["test_mod1"])]  # fmt: skip
    assert main(args) == 1
    assert "is an input file" in caplog.text
    assert _digest(cite_files["test_mod1"]) == before


def test_cli_names_mismatched_features(cite_files, tmp_path, caplog):
    """Training on CITE files and predicting for multiome GEX cells: the gene sets differ."""
    multiome = cite_files["test_mod1"].parents[1] / "multiome" / "openproblems_bmmc_multiome_starter.test_mod1.h5ad"
    args = ["-q", "predict", "--train-mod1", str(cite_files["train_mod1"]), "--train-mod2",
            str(cite_files["train_mod2"]), "--test-mod1", str(multiome), "--method", "mean",
            "--output", str(tmp_path / "p.h5ad")]  # fmt: skip
    assert main(args) == 1
    assert "--test-mod1 features differ from --train-mod1's" in caplog.text
    assert not (tmp_path / "p.h5ad").exists()
