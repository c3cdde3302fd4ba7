"""Modality prediction's query with gene names repeated among genes the predictor does not read (Cell Ranger's symbols
repeat a few; scanpy users often skip var_names_make_unique()): refused as any repeat, where the joint model takes
them as extra features (session 51). Now ignored as the other extra features, with the same predictions as the
query without them, in Python (an AnnData or a streamed path) and on the CLI; a repeat among the features the
predictor reads is refused with the same message as before, and training sources still refuse any repeat."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate

# anndata's own warning on repeated names (what the user sees reading such data), not jae's
pytestmark = pytest.mark.filterwarnings("ignore:Variable names are not unique")


def _with_repeats(query, names):
    """``query`` with two more genes before and two after its own, each of ``names`` twice (seeded counts)."""
    rng = np.random.default_rng(0)
    extra = ad.AnnData(rng.poisson(1.0, size=(query.n_obs, 4)).astype(np.float32), obs=query.obs[[]].copy())
    extra.var_names = [names[0], names[0], names[1], names[1]]
    extra.layers["counts"] = extra.X.copy()
    extra.var["feature_types"] = query.var["feature_types"].iloc[0]
    out = ad.concat([extra[:, :2], query, extra[:, 2:]], axis=1, merge="first")
    out.obs = query.obs.copy()
    assert not out.var_names.is_unique
    return out


@pytest.fixture(scope="module")
def data():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    return rna[:40].copy(), prot[:40].copy(), rna[40:].copy()


def test_jae_predict_ignores_repeats_among_extra_genes(data, tmp_path):
    train, target, query = data
    plain = jae.predict(train, target, query, method="ridge", progress_bar=False)
    repeated = _with_repeats(query, ["EXTRA1", "EXTRA2"])
    got = jae.predict(train, target, repeated, method="ridge", progress_bar=False)
    assert np.array_equal(got.X, plain.X) and list(got.obs_names) == list(plain.obs_names)
    repeated.write_h5ad(tmp_path / "q.h5ad")  # a path: read in row blocks
    streamed = jae.predict(train, target, str(tmp_path / "q.h5ad"), method="ridge", progress_bar=False)
    assert np.array_equal(streamed.X, plain.X)


def test_fitted_predictor_ignores_them_and_refuses_a_repeat_it_reads(data):
    train, target, query = data
    model = jae.ModalityPredictor("ridge").fit(train, target, progress_bar=False)
    plain = model.predict(query)
    assert np.array_equal(model.predict(_with_repeats(query, ["EXTRA1", "EXTRA2"])).X, plain.X)
    used = str(query.var_names[3])
    with pytest.raises(ValueError, match=rf"^query_source has 1 duplicated feature name \(e\.g\. '{used}'\); jae "
                                         r"matches features by name, so they must be unique: make them unique first, "
                                         r"e\.g\. adata\.var_names_make_unique\(\) on that modality$"):
        model.predict(_with_repeats(query, ["EXTRA1", used]))


def test_jae_predict_refuses_a_repeat_it_reads_and_training_repeats(data):
    train, target, query = data
    used = str(query.var_names[3])
    with pytest.raises(ValueError, match=rf"^query_source has 1 duplicated feature name \(e\.g\. '{used}'\)"):
        jae.predict(train, target, _with_repeats(query, ["EXTRA1", used]), method="ridge", progress_bar=False)
    with pytest.raises(ValueError, match=r"^train_source has 2 duplicated feature names \(e\.g\. 'EXTRA1', "):
        jae.predict(_with_repeats(train, ["EXTRA1", "EXTRA2"]), target, query, method="ridge", progress_bar=False)


def test_cli_predicts_a_test_file_with_repeats_among_extra_genes(data, tmp_path, caplog):
    train, target, query = data
    train.write_h5ad(tmp_path / "tr.mod1.h5ad")
    target.write_h5ad(tmp_path / "tr.mod2.h5ad")
    query.write_h5ad(tmp_path / "plain.h5ad")
    _with_repeats(query, ["EXTRA1", "EXTRA2"]).write_h5ad(tmp_path / "q.h5ad")
    _with_repeats(query, ["EXTRA1", str(query.var_names[3])]).write_h5ad(tmp_path / "bad.h5ad")
    training = ["--train-mod1", str(tmp_path / "tr.mod1.h5ad"), "--train-mod2", str(tmp_path / "tr.mod2.h5ad"),
                "--method", "ridge"]
    for name, how in (("plain", training + ["--save-model", str(tmp_path / "model")]), ("q", training),
                      ("q2", ["--model", str(tmp_path / "model")])):
        test = tmp_path / ("q.h5ad" if name == "q2" else f"{name}.h5ad")
        assert main(["-q", "predict", *how, "--test-mod1", str(test), "--out", str(tmp_path / f"{name}.p.h5ad")]) == 0
    plain, *others = (ad.read_h5ad(tmp_path / f"{n}.p.h5ad") for n in ("plain", "q", "q2"))
    for other in others:
        assert np.array_equal(other.X, plain.X)
    for how in (training, ["--model", str(tmp_path / "model")]):
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="jae"):
            rc = main(["-q", "predict", *how, "--test-mod1", str(tmp_path / "bad.h5ad"), "--out",
                       str(tmp_path / "bad.p.h5ad")])
        err = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert rc == 1 and len(err) == 1 and not (tmp_path / "bad.p.h5ad").exists()
        assert err[0].startswith(f"--test-mod1 has 1 duplicated feature name (e.g. '{query.var_names[3]}')"), err[0]
