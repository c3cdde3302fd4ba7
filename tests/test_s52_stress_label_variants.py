"""Cell-type labels that are one name typed two ways ('A' and 'A ', a doubled blank, 'ü' as one character or two) are
named in a warning by fit and evaluate (s52): each was learnt and scored as a type of its own without a word."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd

import jae

DECOMPOSED, COMPOSED = "Mu\u0308ller", "M\u00fcller"


def test_blank_variants_groups_names_typed_two_ways():
    from jae.labels.variants import blank_variants

    values = ["A", "A ", " A", "B  c", "B c", DECOMPOSED, COMPOSED, "T", np.nan, None]
    assert blank_variants(values) == [[" A", "A", "A "], ["B  c", "B c"], sorted([DECOMPOSED, COMPOSED])]
    assert blank_variants(pd.Categorical(["T", "B", "NK cell", np.nan])) == []
    assert blank_variants(np.array([1, 2, 1])) == []


def _variant_warnings(caplog):
    return [r.getMessage() for r in caplog.records if "differ only in blanks" in r.getMessage()]


def test_evaluate_warns_naming_them_and_the_fix(caplog):
    rng = np.random.default_rng(0)
    n = 60
    types = np.array(["CD4 T", "CD4 T ", "B"])[np.arange(n) % 3]
    data = ad.AnnData(np.zeros((n, 1), dtype=np.float32), obs=pd.DataFrame(
        {"cell_type": pd.Categorical(types), "batch": np.array(["x", "y"])[np.arange(n) % 2]},
        index=[f"c{i}" for i in range(n)]))
    E = rng.normal(size=(n, 5))
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(data, {"e": E}, progress_bar=False)
    assert _variant_warnings(caplog) == [
        "obs['cell_type'] holds cell types that differ only in blanks or in how their letters are encoded: 'CD4 T' / "
        "'CD4 T '; they are scored as different types; if each group is one type, make its labels equal first: "
        "obs['cell_type'] = obs['cell_type'].str.normalize('NFC').str.split().str.join(' ')"]
    caplog.clear()
    fixed = data.copy()
    fixed.obs["cell_type"] = fixed.obs["cell_type"].str.normalize("NFC").str.split().str.join(" ")  # the fix given
    assert fixed.obs["cell_type"].nunique() == 2
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(fixed, {"e": E}, progress_bar=False)
    assert _variant_warnings(caplog) == []


def test_fit_warns_for_labels_it_learns_as_two_types(caplog):
    mdata = jae.simulate(60, n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, seed=0)
    first, second, third = mdata.obs["cell_type"].cat.categories[:3]
    mdata.obs["cell_type"] = mdata.obs["cell_type"].astype(str).map(
        {first: DECOMPOSED, second: COMPOSED, third: "T"})
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(mdata, progress_bar=False)
    assert len(model.cell_types) == 3  # still learnt as given: the warning changes no result
    (message,) = _variant_warnings(caplog)
    assert message.startswith("obs['cell_type'] holds cell types that differ only in blanks or in how their letters "
                              f"are encoded: {sorted([DECOMPOSED, COMPOSED])[0]!r} / ")
    assert "they are learnt as different types" in message
