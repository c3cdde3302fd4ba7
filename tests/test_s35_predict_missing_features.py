"""Query cells lacking some of the predictor's source features were told to 'pass the features the model was
fitted on (data[:, model_var_names])', which fails on the features they lack (a query with all of them and others is
read by name, so this error only ever meant missing ones). The fix named now is the one that works: train on the
features both have; in the CLI, write --train-mod1 again with them."""

from __future__ import annotations

import re

import numpy as np
import pytest

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

FIX = ("the predictor reads every source feature it was trained on: train it on the features both have, e.g. keep = "
       "train_source.var_names.isin(query_source.var_names); fit on train_source[:, keep]")
FITTED = ("the predictor reads every source feature it was trained on: train a new one on the features these cells "
          "have (its training source subset to them)")


def test_the_named_fix_works():
    train_source, train_target = paired(60, seed=0)
    query_source = paired(10, seed=1, prefix="q")[0][:, 3:].copy()  # three genes not measured
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(train_source, train_target, progress_bar=False)
    with pytest.raises(ValueError, match=r"3 of .* features are missing .*; " + re.escape(FIX) + "$"):
        jae.predict(train_source, train_target, query_source, method="mean", progress_bar=False)
    with pytest.raises(ValueError, match=r"3 of the predictor's 40 features are missing .*; " + re.escape(FITTED)):
        model.predict(query_source)
    with pytest.raises(KeyError):  # what it named before cannot be done
        query_source[:, model.source_features]
    keep = train_source.var_names.isin(query_source.var_names)  # the fix, as written
    refit = ModalityPredictor("mean", seed=0, device="cpu").fit(train_source[:, keep], train_target, progress_bar=False)
    assert np.isfinite(refit.predict(query_source).X).all()


def test_the_cli_names_its_files(tmp_path, caplog, capsys):
    from jae.cli import main

    (source, target), query = paired(60, seed=0), paired(10, seed=1, prefix="q")[0][:, 3:].copy()
    for adata, name in ((source, "tr1"), (target, "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    argv = ["predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
            "--test-mod1", str(tmp_path / "te1.h5ad"), "--output", str(tmp_path / "p.h5ad"), "--method", "mean"]
    assert main(argv) == 1
    said = caplog.text + capsys.readouterr().err
    assert ("the predictor reads every source feature it was trained on: train it on the features both have, e.g. "
            "write --train-mod1 again with only the features --test-mod1 has") in said
    assert "model_var_names" not in said and "query_source" not in said and not (tmp_path / "p.h5ad").exists()
    caplog.clear()
    assert main(["predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
                 "--test-mod1", str(tmp_path / "tr1.h5ad"), "--output", str(tmp_path / "own.h5ad"), "--method", "mean",
                 "--save-model", str(tmp_path / "m")]) == 0
    assert main(["predict", "--model", str(tmp_path / "m"), "--test-mod1", str(tmp_path / "te1.h5ad"), "--output",
                 str(tmp_path / "p.h5ad")]) == 1
    said = caplog.text + capsys.readouterr().err
    assert "3 of --model's 40 features are missing" in said and FITTED in said and "model_var_names" not in said
