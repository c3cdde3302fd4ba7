"""The prediction API's result and its query checks: the returned AnnData carries the query's obs and the target's
var (ModalityPredictor.predict, jae.predict and jae predict alike); a source equal to the target, a query of another
modality and a query with duplicated feature names are refused in one line before any training."""

from __future__ import annotations

import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.prediction import ModalityPredictor, PredictConfig
from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

FAST = PredictConfig(max_epochs=3, patience=2, n_members=1, hidden=(16,), latent=4)


@pytest.fixture(scope="module")
def data():
    (src, tgt), (query, _) = paired(100, seed=0), paired(30, seed=1, prefix="q")
    tgt.var["isotype"] = pd.Categorical(["IgG1", "IgG2"] * (tgt.n_vars // 2))
    tgt.var["n_cells"] = np.arange(tgt.n_vars)
    query.obs["batch"] = pd.Categorical(["b1", "b2"] * 15)
    query.obs["depth"] = np.arange(30.0)
    return src, tgt, query


@pytest.fixture(scope="module")
def fitted(data):
    return ModalityPredictor(config=FAST, seed=0, device="cpu").fit(data[0], data[1], progress_bar=False)


def _check_frames(pred, query, target):
    pd.testing.assert_frame_equal(pred.obs, query.obs)
    assert list(pred.var_names) == list(target.var_names)
    assert list(pred.var["isotype"].astype(str)) == list(target.var["isotype"].astype(str))
    assert list(pred.var["n_cells"]) == list(range(target.n_vars))
    assert isinstance(pred.var["feature_types"].dtype, pd.CategoricalDtype) and set(pred.var["feature_types"]) == {"ADT"}


def test_predictions_carry_the_querys_obs_and_the_targets_var(data, fitted, tmp_path):
    """predict returned an empty obs and only var['feature_types']; jae predict added the test obs itself."""
    src, tgt, query = data
    before = query.copy()
    pred = fitted.predict(query)
    _check_frames(pred, query, tgt)
    pred.write_h5ad(tmp_path / "pred.h5ad")  # the frames are writable
    pred.obs["batch"] = "changed"
    assert (query.obs["batch"] == before.obs["batch"]).all()  # a copy, never the user's frame
    one_call = jae.predict(src, tgt, query, config=FAST, seed=0, device="cpu", progress_bar=False)
    _check_frames(one_call, query, tgt)
    np.testing.assert_array_equal(one_call.X, pred.X)
    loaded = ModalityPredictor.load(fitted.save(tmp_path / "model"))
    _check_frames(loaded.predict(query), query, tgt)
    query.write_h5ad(tmp_path / "query.h5ad")  # CSR counts: read in row blocks, obs read from the file
    _check_frames(fitted.predict(tmp_path / "query.h5ad"), query, tgt)


def test_source_and_target_of_one_modality_are_refused(data):
    src = data[0]
    for fit in (lambda: ModalityPredictor(config=FAST).fit(src, src.copy(), progress_bar=False),
                lambda: jae.predict(src, src.copy(), src, config=FAST, progress_bar=False)):
        with pytest.raises(ValueError, match=r"^train_source and train_target are both GEX: prediction maps one "
                                             r"modality to another .*pass the other modality as train_target"):
            fit()


def test_a_query_of_another_modality_is_refused_naming_both(data, fitted, monkeypatch):
    src, tgt, _ = data
    with pytest.raises(ValueError, match=r"^query_source holds ADT features, but this model predicts ADT from GEX "
                                         r"\(the modality it was trained on\): pass the query cells' GEX counts, not their ADT$"):
        fitted.predict(tgt)
    monkeypatch.setattr("jae.prediction.api.train_ensemble", lambda *a, **k: pytest.fail("trained before the check"))
    with pytest.raises(ValueError, match=r"^query_source holds ADT features, but this model predicts ADT from GEX"):
        jae.predict(src, tgt, tgt, config=FAST, progress_bar=False)


def test_a_query_of_another_modality_sharing_a_name_is_refused_by_its_feature_types(data, fitted, tmp_path,
                                                                                       monkeypatch):
    """CITE-seq proteins are often named as their genes (CD4): a protein query sharing one name with the genes was
    told that 39 of the 40 features were missing, fixed by data[:, model_var_names], not that it held proteins."""
    src, tgt, _ = data
    adt = tgt.copy()
    adt.var_names = ["g0", *adt.var_names[1:]]  # a protein named as one of the source's genes
    adt.write_h5ad(tmp_path / "adt.h5ad")  # CSR: read in row blocks, var['feature_types'] read from the file
    told = (r"^query_source holds ADT features, but this model predicts ADT from GEX \(the modality it was trained "
            r"on\): pass the query cells' GEX counts, not their ADT$")
    for query in (adt, tmp_path / "adt.h5ad"):
        with pytest.raises(ValueError, match=told):
            fitted.predict(query)
    monkeypatch.setattr("jae.prediction.api.train_ensemble", lambda *a, **k: pytest.fail("trained before the check"))
    with pytest.raises(ValueError, match=told[:-1] + r", or swap train_source and train_target to predict GEX from "
                                         r"ADT$"):  # before training, the training data given swapped is named too
        jae.predict(src, tgt, adt, config=FAST, progress_bar=False)
    with pytest.raises(ValueError, match=r"^query_source features differ"):  # GEX with other genes: as before
        fitted.predict(src[:, 1:])


def _last_repeats_first(query, axis: str):
    """A copy of ``query`` whose last cell (``'obs'``) or feature (``'var'``) is named as its first."""
    dup = query.copy()
    names = getattr(dup, f"{axis}_names")
    setattr(dup, f"{axis}_names", [*names[:-1], names[0]])
    return dup


def test_a_query_with_duplicated_feature_names_is_refused_with_the_fix(data, fitted, monkeypatch):
    """It was told that a feature was 'missing' and none 'extra'."""
    src, tgt, query = data
    dup = _last_repeats_first(query, "var")
    with pytest.raises(ValueError, match=r"^query_source has 1 duplicated feature name \(e\.g\. 'g0'\); .*"
                                         r"adata\.var_names_make_unique\(\)"):
        fitted.predict(dup)
    monkeypatch.setattr("jae.prediction.api.train_ensemble", lambda *a, **k: pytest.fail("trained before the check"))
    with pytest.raises(ValueError, match=r"^query_source has 1 duplicated feature name"):
        jae.predict(src, tgt, dup, config=FAST, progress_bar=False)
    assert list(query.var_names) != list(dup.var_names)  # the user's query is untouched


def _cellxgene(query):
    """``query`` in CELLxGENE's layout: Ensembl-like IDs as var_names, the symbols in var['feature_name'], no
    var['feature_types']."""
    cxg = query.copy()
    cxg.var = pd.DataFrame({"feature_name": pd.Categorical(cxg.var_names)},
                           index=[f"ENSG{j:011d}" for j in range(cxg.n_vars)])
    return cxg


def test_a_cellxgene_query_is_told_to_name_its_genes_by_their_symbols(data, fitted, tmp_path, monkeypatch):
    """A query whose var_names are Ensembl IDs and whose symbols are in var['feature_name'] was told only that its
    features differ (and, with no var['feature_types'], a small one that it held ADT), unlike jae embed's query."""
    src, tgt, query = data
    cxg = _cellxgene(query)
    before = cxg.copy()
    cxg.write_h5ad(tmp_path / "cxg.h5ad")  # CSR counts: read in row blocks, the symbols read from the file
    for query_source in (cxg, tmp_path / "cxg.h5ad"):  # since session 52 read by that column, as renamed by hand
        np.testing.assert_array_equal(fitted.predict(query_source).X, fitted.predict(query).X)
    short = cxg.copy()  # a symbol lacking (the predictor reads every gene): refused, the column named
    short.var["feature_name"] = pd.Categorical(["OTHER", *map(str, cxg.var["feature_name"][1:])])
    short.write_h5ad(tmp_path / "short.h5ad")
    told = (r"^query_source features differ from {0}'s: 40 of {0}'s 40 features are missing "
            r"\(e\.g\. 'g0', .*; gene symbols are in var\['feature_name'\] \(CELLxGENE layout\): 39 of "
            r"{0}'s 40 features are among them; name the genes by them, e\.g\. adata\.var_names = "
            r"adata\.var\['feature_name'\]\.astype\(str\); adata\.var_names_make_unique\(\)")
    for query_source in (short, tmp_path / "short.h5ad"):  # a fitted predictor's features
        with pytest.raises(ValueError, match=told.format("the predictor")):
            fitted.predict(query_source)
    monkeypatch.setattr("jae.prediction.api.train_ensemble", lambda *a, **k: pytest.fail("trained before the check"))
    with pytest.raises(ValueError, match=told.format("train_source")):  # before training: the training cells' own
        jae.predict(src, tgt, short, config=FAST, progress_bar=False)
    pd.testing.assert_frame_equal(cxg.var, before.var)  # the user's query is untouched
    renamed = cxg.copy()
    renamed.var_names = renamed.var["feature_name"].astype(str)  # the fix it names works
    np.testing.assert_array_equal(fitted.predict(renamed).X, fitted.predict(query).X)
    with pytest.raises(ValueError, match=r"; the predictor reads every source feature it was trained on"):  # no symbols
        fitted.predict(query[:, 1:])


# ------------------------------------------------------------------------------------------------ jae predict
def test_a_query_with_repeated_cell_names_is_refused_before_training(data, fitted, tmp_path, monkeypatch, caplog):
    """jae predict wrote the test cells' repeated names into the output (and ModalityPredictor.predict returned
    them): the predictions could not be told apart by cell. Refused now in one line, before any training, also for
    names repeated only once read as text (1 and '1')."""
    import logging
    import warnings

    from jae.cli import main

    src, tgt, query = data
    dup = _last_repeats_first(query, "obs")
    with pytest.raises(ValueError, match=r"^query_source has 1 duplicated cell name \(e\.g\. 'q0'\); .*"
                                         r"adata\.obs_names_make_unique\(\)"):
        fitted.predict(dup)
    mixed = query.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata warns of names that are not text, on purpose here
        mixed.obs_names = pd.Index([1, "1", *range(2, 30)], dtype=object)
    with pytest.raises(ValueError, match=r"^query_source has 1 duplicated cell name \(e\.g\. '1'\)"):
        fitted.predict(mixed)
    monkeypatch.setattr("jae.prediction.api.train_ensemble", lambda *a, **k: pytest.fail("trained before the check"))
    with pytest.raises(ValueError, match=r"^query_source has 1 duplicated cell name"):
        jae.predict(src, tgt, dup, config=FAST, progress_bar=False)
    assert query.obs_names.is_unique  # the user's query is untouched
    for adata, name in ((src, "train.mod1"), (tgt, "train.mod2"), (dup, "test.mod1")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # anndata warns of the repeated names, on purpose here
            adata.write_h5ad(tmp_path / f"{name}.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(list(map(str, ["-q", "predict", "--train-mod1", tmp_path / "train.mod1.h5ad", "--train-mod2",
                                   tmp_path / "train.mod2.h5ad", "--test-mod1", tmp_path / "test.mod1.h5ad",
                                   "--output", tmp_path / "out.h5ad", "--method", "mean"]))) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("--test-mod1 has 1 duplicated cell name")
    assert not (tmp_path / "out.h5ad").exists()


def test_cli_predicts_with_a_saved_predictor(data, tmp_path, caplog):
    """jae predict always trained: a model saved by --save-model could not be used again from the CLI."""
    import logging

    from jae.cli import main

    src, tgt, query = data
    for adata, name in ((src, "train.mod1"), (tgt, "train.mod2"), (query, "test.mod1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    files = ["--train-mod1", tmp_path / "train.mod1.h5ad", "--train-mod2", tmp_path / "train.mod2.h5ad"]
    test = ["--test-mod1", tmp_path / "test.mod1.h5ad"]
    argv = ["-q", "predict", *files, *test, "--output", tmp_path / "trained.h5ad", "--method", "ridge",
            "--save-model", tmp_path / "model"]
    assert main(list(map(str, argv))) == 0
    assert main(list(map(str, ["-q", "predict", "--model", tmp_path / "model", *test, "--output",
                               tmp_path / "loaded.h5ad"]))) == 0
    trained, loaded = (ad.read_h5ad(tmp_path / f"{n}.h5ad") for n in ("trained", "loaded"))
    np.testing.assert_array_equal(loaded.X, trained.X)
    _check_frames(loaded, query, tgt)
    assert loaded.uns["method_id"] == "jae_ridge_baseline"
    bad = {  # one line each, naming the flags
        "both": (["--model", tmp_path / "model", *files[:2]], "pass --train-mod1 and --train-mod2 (paired cells to "
                 "train on), or --model FOLDER (a predictor saved by --save-model) without them"),
        "neither": ([], "pass --train-mod1 and --train-mod2"),
        "save": (["--model", tmp_path / "model", "--save-model", tmp_path / "again"],
                 "--save-model saves a predictor trained here; --model FOLDER is saved already: drop --save-model"),
        "missing": (["--model", tmp_path / "nothere"], "does not exist; pass --model FOLDER"),
        "joint": (["--model", _joint_model(tmp_path / "joint")], "holds a 'jae' model, not a 'predictor' one; it was "
                  "written by jae fit or jae map; pass a folder written by jae predict --save-model"),
        # ignored before: the saved model predicted with its own method and seed (given equal to the default too)
        "method": (["--model", tmp_path / "model", "--method", "knn"], "--method cannot change the predictor saved in "
                   f"--model {tmp_path / 'model'} (it was trained with its own): drop --method, or train a new one "
                   "with --train-mod1 and --train-mod2"),
        "seed": (["--model", tmp_path / "model", "--seed", "0"], "--seed cannot change the predictor saved in"),
        "method and seed": (["--seed", "3", "--model", tmp_path / "model", "--method", "ridge"],
                 "--method and --seed cannot change the predictor saved in"),
        # ignored too: the saved model's kinds (GEX -> ADT), even typed equal to them
        "kinds": (["--model", tmp_path / "model", "--source-kind", "gex", "--target-kind", "ADT"],
                  "--source-kind and --target-kind cannot change the predictor saved in --model "
                  f"{tmp_path / 'model'} (it was trained with its own): drop --source-kind and --target-kind, or "
                  "train a new one with --train-mod1 and --train-mod2"),
        "kind": (["--model", tmp_path / "model", "--target-kind", "atac"], "drop --target-kind, or train"),
        "three": (["--model", tmp_path / "model", "--seed", "1", "--target-kind", "atac", "--method", "knn"],
                  "--method, --seed and --target-kind cannot change the predictor"),
    }
    for extra, expected in bad.values():
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="jae"):
            assert main(list(map(str, ["-q", "predict", *extra, *test, "--output", tmp_path / "x.h5ad"]))) == 1
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and expected in errors[0], errors
    assert not (tmp_path / "x.h5ad").exists() and not (tmp_path / "again").exists()
    query[:, :30].copy().write_h5ad(tmp_path / "fewer.h5ad")  # it said '--train-mod1's features', none given
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(list(map(str, ["-q", "predict", "--model", tmp_path / "model", "--test-mod1",
                                   tmp_path / "fewer.h5ad", "--output", tmp_path / "x.h5ad"]))) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "--test-mod1 features differ from --model's:" in errors[0], errors
    assert "--train-mod1" not in errors[0]


def test_predict_files_refuses_a_method_or_seed_the_saved_predictor_was_not_trained_with(data, fitted, tmp_path):
    """jae.predict_files(model=FOLDER, method='knn', seed=5) predicted with the saved method and seed, silently."""
    query = data[2]
    query.write_h5ad(tmp_path / "query.h5ad")
    folder = fitted.save(tmp_path / "model")  # method 'jae', seed 0, GEX -> ADT
    out = tmp_path / "pred.h5ad"
    for model in (folder, fitted):
        for given, named in (({"method": "knn"}, "method='knn' cannot change the predictor in model, trained with "
                                                 "method='jae': drop method (or pass the model's), or train a new "
                                                 "predictor with train_mod1 and train_mod2 instead of model"),
                             ({"seed": 5, "method": "ridge"}, "method='ridge', seed=5 cannot change the predictor in "
                                                              "model, trained with method='jae', seed=0: drop method "
                                                              "and seed"),
                             ({"source_kind": "ADT"}, "source_kind='ADT' cannot change the predictor in model, "
                                                      "trained with source_kind='GEX'")):
            with pytest.raises(ValueError, match="^" + re.escape(named)):
                jae.predict_files(None, None, tmp_path / "query.h5ad", out, model=model, device="cpu", **given)
            assert not out.exists()
    same = {"method": "jae", "seed": 0, "source_kind": "gex", "target_kind": "ADT"}  # the model's own: accepted
    result = jae.predict_files(None, None, tmp_path / "query.h5ad", out, model=folder, device="cpu", **same)
    np.testing.assert_allclose(result.prediction.X, fitted.predict(query).X, rtol=1e-5, atol=1e-6)


def _joint_model(folder):
    from jae.datasets import simulate

    cells = simulate(60, n_genes=200, n_peaks=80, n_cell_types=2, n_batches=1, seed=0)
    config = jae.JAEConfig(max_epochs=1, n_svd=5)
    return jae.JAE(config, device="cpu").fit(cells, batch_key=None, progress_bar=False).save(folder)


def test_predict_help_states_the_sparse_threshold():
    import argparse

    from jae.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices["predict"]._actions if a.dest == "output_format")
    assert f"below {PredictConfig().sparse_below}" in action.help and f"{PredictConfig().dense_limit:,}" in action.help


def test_predict_help_states_the_libraries_adt_panel_limit(monkeypatch):
    """The help said 'up to 500 other names ADT' in its own words: it now takes the rule's constant."""
    import argparse

    import jae.io.kinds
    from jae.cli import build_parser

    monkeypatch.setattr(jae.io.kinds, "MAX_ADT_FEATURES", 321)  # the library's rule (jae.io.modality)
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for dest in ("source_kind", "target_kind"):
        action = next(a for a in sub.choices["predict"]._actions if a.dest == dest)
        assert "up to 321 other names ADT" in action.help, action.help

def test_training_data_with_duplicated_feature_names_is_refused(data):
    """They were trained on: a target's repeated names came back as the prediction's var_names (anndata's warning)."""
    src, tgt, _ = data
    for which in ("train_source", "train_target"):
        pair = [src.copy(), tgt.copy()]
        adata = pair[which == "train_target"]
        adata.var_names = [*adata.var_names[:-1], adata.var_names[0]]
        with pytest.raises(ValueError, match=rf"^{which} has 1 duplicated feature name \(e\.g\. '{adata.var_names[0]}'\)"
                                             r".*adata\.var_names_make_unique\(\)"):
            ModalityPredictor(config=FAST).fit(*pair, progress_bar=False)


def test_a_refit_that_fails_never_leaves_a_mix_of_two_fits(data, monkeypatch):
    """A refit refused for its data (after the model had taken the new features) or interrupted during training (the
    new encoding then fed the previous fit's networks) left a model that predicted other values, silently."""
    src, tgt, query = data
    model = ModalityPredictor(config=FAST, seed=0, device="cpu").fit(src, tgt, progress_bar=False)
    before = model.predict(query).X.copy()
    normalised = src[:, 1:].copy()  # other genes, values that are no counts
    normalised.X = normalised.X.multiply(0.37).tocsr()
    del normalised.layers["counts"]
    with pytest.raises(ValueError, match=r"^train_source\.X has \d+ non-integer values"):
        model.fit(normalised, tgt, progress_bar=False)
    np.testing.assert_array_equal(model.predict(query).X, before)  # the data refused: the model as it was
    other, other_target = paired(100, seed=7)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("jae.prediction.api.train_ensemble", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(other, other_target, progress_bar=False)
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(train_source, train_target\) first"):
        model.predict(query)


def test_a_query_with_more_features_than_the_source_predicts_from_the_sources(data, fitted, tmp_path, monkeypatch,
                                                                                caplog):
    """Query cells measured on more genes than the training source (a model trained on the variable genes, a query
    file with every gene) were refused, told to run data[:, model_var_names], which jae predict's user cannot."""
    import logging

    src, tgt, query = data
    others = paired(30, seed=3, prefix="q")[0]
    others.var_names = [f"x{j}" for j in range(others.n_vars)]
    more = ad.concat([query, others], axis=1, merge="first")  # the 40 genes, then 40 others
    more = more[:, np.random.default_rng(0).permutation(more.n_vars)].copy()  # and another order
    more.layers["counts"] = more.X.copy()
    more.write_h5ad(tmp_path / "more.h5ad")  # CSR: read in row blocks, the columns taken from each block
    expected = fitted.predict(query).X
    with caplog.at_level(logging.INFO, logger="jae"):
        for given in (more, tmp_path / "more.h5ad"):
            np.testing.assert_array_equal(fitted.predict(given).X, expected)
    assert "the query cells have the 40 source features the predictor was trained on and 40 others, which the " \
           "prediction ignores" in caplog.text
    assert more.n_vars == 80  # the user's query untouched
    one_call = jae.predict(src, tgt, more, config=FAST, seed=0, device="cpu", progress_bar=False)
    np.testing.assert_array_equal(one_call.X, expected)
    with pytest.raises(ValueError, match=r"^query_source features differ from the predictor's: 1 of the predictor's "
                                         r"40 features is missing"):  # missing ones: refused, as before
        fitted.predict(more[:, more.var_names != "g0"])


def test_a_query_of_no_cells_is_refused_before_any_training(data, fitted, tmp_path, monkeypatch):
    """A query file of no cells (a subset by a misspelt batch) failed with numpy's "need at least one array to
    concatenate", and jae predict trained the model before refusing it."""
    src, tgt, query = data
    none = query[:0].copy()
    none.write_h5ad(tmp_path / "none.h5ad")
    told = r"^query_source has no cells \(0 cells x 40 features\), so there is nothing to predict: pass the cells to"
    for given in (none, tmp_path / "none.h5ad"):
        with pytest.raises(ValueError, match=told):
            fitted.predict(given)
    monkeypatch.setattr("jae.prediction.api.ModalityPredictor.fit", lambda *a, **k: pytest.fail("trained first"))
    with pytest.raises(ValueError, match=told):
        jae.predict(src, tgt, tmp_path / "none.h5ad", config=FAST, progress_bar=False)
    src.write_h5ad(tmp_path / "src.h5ad")
    tgt.write_h5ad(tmp_path / "tgt.h5ad")
    with pytest.raises(ValueError, match=told):
        jae.predict_files(tmp_path / "src.h5ad", tmp_path / "tgt.h5ad", tmp_path / "none.h5ad",
                          tmp_path / "pred.h5ad", method="mean")
    assert not (tmp_path / "pred.h5ad").exists()


def test_query_cells_without_counts_are_refused_before_any_training(data, tmp_path, monkeypatch):
    """A test file of normalised values, or with a cell of no counts, was refused only after the training (minutes
    to hours of jae predict on real data), when the prediction read it."""
    import scipy.sparse as sp

    src, tgt, query = data
    normalised = query.copy()
    del normalised.layers["counts"]
    normalised.X = normalised.X.multiply(0.37).tocsr()
    empty = query.copy()
    X = empty.layers["counts"].toarray()
    X[5] = 0
    empty.layers["counts"] = sp.csr_matrix(X)
    src.write_h5ad(tmp_path / "src.h5ad")
    tgt.write_h5ad(tmp_path / "tgt.h5ad")
    monkeypatch.setattr("jae.prediction.api.ModalityPredictor.fit", lambda *a, **k: pytest.fail("trained first"))
    for bad, told in ((normalised, r"^query_source\.X has \d+ non-integer values \(e\.g\. [\d.]+\), so it looks "
                                   r"normalised; jae needs raw counts: pass layer="),
                      (empty, r"^1 of 30 cells have zero total counts in query_source\.layers\['counts'\]")):
        bad.write_h5ad(tmp_path / "bad.h5ad")  # CSR: read in row blocks
        for given in (bad, tmp_path / "bad.h5ad"):
            with pytest.raises(ValueError, match=told):
                jae.predict(src, tgt, given, config=FAST, progress_bar=False)
        with pytest.raises(ValueError, match=told):
            jae.predict_files(tmp_path / "src.h5ad", tmp_path / "tgt.h5ad", tmp_path / "bad.h5ad",
                              tmp_path / "pred.h5ad", method="mean")
    assert not (tmp_path / "pred.h5ad").exists()


def test_a_backed_anndata_is_refused_with_the_fix(data, fitted, tmp_path):
    """An AnnData read with backed='r' was told its .X had "dtype object, not numbers" and to store raw counts (its
    layers, read into memory, served: a counts layer still does)."""
    src, tgt, query = data
    with_layer = query.copy()
    with_layer.write_h5ad(tmp_path / "with_layer.h5ad")
    query = query.copy()
    del query.layers["counts"]  # the counts in .X
    src = src.copy()
    del src.layers["counts"]
    query.write_h5ad(tmp_path / "query.h5ad")
    backed = ad.read_h5ad(tmp_path / "query.h5ad", backed="r")
    path = re.escape(repr(str(tmp_path / "query.h5ad")))
    with pytest.raises(ValueError, match=r"^query_source is a backed AnnData \(read_h5ad\(\.\.\., backed='r'\)\), whose "
                                         rf"matrices stay in its file; pass the file's path instead, query_source={path}, "
                                         r"whose counts are read in row blocks, or query_source\.to_memory\(\)$"):
        fitted.predict(backed)
    with pytest.raises(ValueError, match=r"backed AnnData .*; pass query_source\.to_memory\(\)$"):  # a subset: not
        fitted.predict(backed[:10])  # its file's path, which holds every cell
    src.write_h5ad(tmp_path / "src.h5ad")
    with pytest.raises(ValueError, match=r"^train_source is a backed AnnData .*; pass train_source\.to_memory\(\)$"):
        ModalityPredictor("mean").fit(ad.read_h5ad(tmp_path / "src.h5ad", backed="r"), tgt, progress_bar=False)
    np.testing.assert_array_equal(fitted.predict(backed.to_memory()).X, fitted.predict(query).X)
    np.testing.assert_array_equal(fitted.predict(tmp_path / "query.h5ad").X, fitted.predict(query).X)
    np.testing.assert_array_equal(fitted.predict(ad.read_h5ad(tmp_path / "with_layer.h5ad", backed="r")).X,
                                  fitted.predict(query).X)
