"""A predictor trained on a target whose var had a column with no value (all NaN, e.g. an unfilled score) or
nullable booleans with missing entries, once saved and loaded, predicted and then failed to write the prediction
('Can't implicitly convert non-string objects to strings' from h5py, a traceback after ``jae predict --model``): its
model.json holds the missing values as null, read back as Python objects. They are read back as NaN and pandas'
nullable booleans now, and the prediction writes."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


def _target_with_gaps(target):
    target = target.copy()
    target.var["score"] = np.nan  # a numeric column with no value
    target.var["flag"] = pd.array([True, None, False, None, True, False], dtype="boolean")
    target.var["group"] = pd.Categorical([None] * target.n_vars, categories=["a"])  # an empty category
    target.var["note"] = ["x", None, "y", "z", None, "w"]  # text with gaps: kept as it was
    return target


def test_a_loaded_predictor_writes_its_prediction(tmp_path):
    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(source, _target_with_gaps(target), progress_bar=False)
    model.save(tmp_path / "model")
    pred = ModalityPredictor.load(tmp_path / "model", device="cpu").predict(query)
    pred.write_h5ad(tmp_path / "p.h5ad")  # raised TypeError
    back = ad.read_h5ad(tmp_path / "p.h5ad")
    np.testing.assert_array_equal(back.X, model.predict(query).X)
    assert back.var["score"].isna().all() and back.var["group"].isna().all()
    assert back.var["flag"].isna().tolist() == [False, True, False, True, False, False]
    assert back.var["flag"].dropna().tolist() == [True, False, True, False]
    assert back.var["note"].isna().tolist() == [False, True, False, False, True, False]


def test_the_cli_writes_with_a_saved_model(tmp_path, capsys):
    from jae.cli import main

    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    for adata, name in ((source, "tr1"), (_target_with_gaps(target), "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    base = ["predict", "--test-mod1", str(tmp_path / "te1.h5ad")]
    assert main(base + ["--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
                        "--method", "mean", "--output", str(tmp_path / "a.h5ad"), "--save-model",
                        str(tmp_path / "m")]) == 0
    assert main(base + ["--model", str(tmp_path / "m"), "--output", str(tmp_path / "b.h5ad")]) == 0
    a, b = ad.read_h5ad(tmp_path / "a.h5ad"), ad.read_h5ad(tmp_path / "b.h5ad")
    np.testing.assert_array_equal(a.X, b.X)
    assert list(b.var_names) == list(a.var_names) and b.var["score"].isna().all()
