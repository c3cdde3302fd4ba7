"""A query whose features are the model's in part, with the rest named another way (half a panel's antibodies in
lower case, ``cd3`` for ``CD3``), was read with those features missing (re-solved from the present ones) and them
ignored as extra, with no more than an INFO line of the overlap: the labels and the embedding came from half the
panel without a word. It now warns, naming the renaming that reads them; the numbers are those of before."""

from __future__ import annotations

import logging

import mudata
import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def fitted(own_cite_model):
    return own_cite_model("s52_mapreview_renamed")[1]


def _query(seed: int = 5):
    return jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=seed)


def _renamed(query, rename):
    prot = query["prot"].copy()
    prot.var_names = [rename(i, n) for i, n in enumerate(prot.var_names)]
    out = mudata.MuData({"rna": query["rna"], "prot": prot})
    out.obs["batch"] = query.obs["batch"]
    return out


def test_features_in_another_case_are_named_with_the_fix(fitted, caplog):
    query = _query()
    lower = _renamed(query, lambda i, n: n.lower() if i % 2 else n)  # 8 of 15 as the model names them
    with caplog.at_level(logging.INFO, logger="jae"):
        emb = fitted.embed(lower, key_added=None)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "named another way" in r.getMessage()]
    assert len(warned) == 1, caplog.text
    text = warned[0].getMessage()
    assert text.startswith("modality 'prot': 7 of the model's 15 features are missing and read as such")
    assert "15 of them match the model's when case is ignored" in text
    assert "for n in model.preprocessor.var_names[1]}" in text  # the fix reads the model's own names
    # the fix as written reads them all, and the embedding of the cells as the model names them
    names = {n.upper(): n for n in fitted.preprocessor.var_names[1]}
    fixed = lower.copy()
    fixed.mod["prot"].var_names = [names.get(n.upper(), n) for n in fixed["prot"].var_names]
    assert np.array_equal(fitted.embed(fixed, key_added=None), fitted.embed(query, key_added=None))
    assert not np.array_equal(emb, fitted.embed(query, key_added=None))  # as before: those 7 re-solved
    caplog.clear()  # other antibodies beside missing ones: the overlap's INFO line alone, as before
    with caplog.at_level(logging.INFO, logger="jae"):
        fitted.embed(_renamed(query, lambda i, n: n if i < 10 else f"OTHER{i}"), key_added=None)
    assert "10 of the model's 15 features present (67%), 5 missing" in caplog.text
    assert "named another way" not in caplog.text


def test_antibodies_with_another_tag_are_named_with_the_fix(fitted, caplog):
    query = _query()
    # the model's first 8 as they are, the other 7 with a barcode after the name (REAP-seq's naming)
    tagged = _renamed(query, lambda i, n: n if i < 8 else f"{n}_ACGTACGT")
    with caplog.at_level(logging.WARNING, logger="jae"):
        fitted.predict_cell_type(tagged, key_added=None)
    assert "modality 'prot': 7 of the model's 15 features are missing" in caplog.text
    assert "15 of them are the model's antibodies (the name before the first '_') with another tag" in caplog.text
