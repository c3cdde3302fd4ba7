"""Training files given swapped (jae predict --train-mod1 ADT.h5ad --train-mod2 GEX.h5ad with GEX test cells) were
told only to 'pass the query cells' ADT counts', when the likely fix is to swap the training files; before training
the message now names that too. A fitted predictor (no training data in the call) is told as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

TOLD = (r"^query_source holds GEX features, but this model predicts GEX from ADT \(the modality it was trained on\): "
        r"pass the query cells' ADT counts, not their GEX")


def test_the_swap_is_named_before_training_and_works():
    gex, adt = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    with pytest.raises(ValueError, match=TOLD + r", or swap train_source and train_target to predict ADT from GEX$"):
        jae.predict(adt, gex, query, method="mean", progress_bar=False)
    swapped = jae.predict(gex, adt, query, method="mean", progress_bar=False)  # the fix, as named
    assert swapped.shape == (10, adt.n_vars) and np.isfinite(swapped.X).all()
    fitted = ModalityPredictor("mean", seed=0, device="cpu").fit(adt, gex, progress_bar=False)
    with pytest.raises(ValueError, match=TOLD + "$"):  # no training files here to swap
        fitted.predict(query)


def test_the_cli_names_its_flags(tmp_path, caplog, capsys):
    from jae.cli import main

    gex, adt = paired(60, seed=0)
    for adata, name in ((adt, "tr1"), (gex, "tr2"), (paired(10, seed=1, prefix="q")[0], "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    argv = ["predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
            "--test-mod1", str(tmp_path / "te1.h5ad"), "--output", str(tmp_path / "p.h5ad"), "--method", "mean"]
    assert main(argv) == 1
    said = caplog.text + capsys.readouterr().err
    assert "not their GEX, or swap --train-mod1 and --train-mod2 to predict ADT from GEX" in said
    assert not (tmp_path / "p.h5ad").exists()
