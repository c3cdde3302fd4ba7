"""jae.predict with duplicated feature names in both the training and the query source (session 35): only the
query's were named; a user who made the query's unique then met a misleading 'features differ' refusal (the query's
renamed 'X-1' called extra) instead of the training source's duplicates. Both are now checked before anything else
and named in one line; one AnnData alone keeps its own message."""

from __future__ import annotations

import warnings

import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    names = list(rna.var_names)
    names[5] = names[4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's note on repeated names
        rna.var_names = names
        return rna[:40].copy(), prot[:40].copy(), rna[40:].copy(), names[4]


def test_both_sources_with_duplicated_features_are_named_at_once(data):
    train, target, query, dup = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's note on repeated names
        query = query.copy()
    with pytest.raises(ValueError, match=rf"^train_source and query_source have duplicated feature names \(e\.g\. "
                                         rf"'{dup}' in train_source, '{dup}' in query_source\); .* "
                                         r"adata\.var_names_make_unique\(\) on each of them"):
        jae.predict(train, target, query, method="ridge", progress_bar=False)


def test_training_source_alone_is_named_not_called_different_features(data):
    train, target, query, dup = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's note on repeated names
        query = query.copy()
    query.var_names_make_unique()
    with pytest.raises(ValueError, match=rf"^train_source has 1 duplicated feature name \(e\.g\. '{dup}'\)"):
        jae.predict(train, target, query, method="ridge", progress_bar=False)


def test_jae_predict_cli_names_both_files(data, tmp_path, caplog):
    import logging

    from jae.cli import main

    train, target, query, dup = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's note on repeated names
        train.write_h5ad(tmp_path / "tr.mod1.h5ad")
        query.write_h5ad(tmp_path / "te.mod1.h5ad")
    target.write_h5ad(tmp_path / "tr.mod2.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["-q", "predict", "--train-mod1", str(tmp_path / "tr.mod1.h5ad"), "--train-mod2",
                   str(tmp_path / "tr.mod2.h5ad"), "--test-mod1", str(tmp_path / "te.mod1.h5ad"), "--out",
                   str(tmp_path / "p.h5ad"), "--method", "ridge"])
    err = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(err) == 1
    assert err[0].startswith(f"--train-mod1 and --test-mod1 have duplicated feature names (e.g. '{dup}' in "
                             f"--train-mod1, '{dup}' in --test-mod1)")
