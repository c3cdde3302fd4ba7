"""Session 42 review: telling a model's fitted cells from new ones (jae.query.fit_cells) read a query's RNA file a
second time, a pass of its own after the features' pass (jae embed and jae map read the counts once: 2 passes over mod1
where there was 1, each block checked twice). The fingerprints are now taken from the blocks the features are computed
from, in the same pass, on the preprocessing's own path and on the path of other gene orders alike."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.query.fit_cells import SeenCounts, is_fitted
from jae.io import open_competition, open_rna
from jae.query import query_features

sys.path.insert(0, str(Path(__file__).parent))
from _passes import count_passes  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(scope="module")
def files(own_cite_model, tmp_path_factory):
    """The small CITE-seq model and, on disk, its own 300 cells (the genes in the model's order and permuted) and
    100 new cells."""
    _, model = own_cite_model("s42_review_one_pass")
    d = tmp_path_factory.mktemp("one_pass")
    own = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)  # its fit's
    new = simulate(100, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=8)
    order = np.random.default_rng(0).permutation(own["rna"].n_vars)
    out = {}
    for name, data, genes in (("own", own, None), ("permuted", own, order), ("new", new, None)):
        rna = data["rna"] if genes is None else data["rna"][:, genes]
        rna.copy().write_h5ad(d / f"{name}_mod1.h5ad")
        data["prot"].copy().write_h5ad(d / f"{name}_mod2.h5ad")
        out[name] = (d / f"{name}_mod1.h5ad", d / f"{name}_mod2.h5ad")
    return model, out


@pytest.mark.parametrize("name,fitted", [("own", True), ("permuted", True), ("new", False)])
def test_fitted_cells_are_told_in_the_features_pass(files, name, fitted, monkeypatch):
    model, paths = files
    assert model.fit_cells is not None
    with monkeypatch.context() as m:
        passes = count_passes(m, [])
        found = query_features(model, open_competition(*paths[name]))
        assert passes == {paths[name][0].name: 1, paths[name][1].name: 1}
        passes.clear()
        alone = query_features(model, open_rna(paths[name][0]))
        assert passes == {paths[name][0].name: 1}
    assert found.fitted.all() if fitted else not found.fitted.any()
    np.testing.assert_array_equal(alone.fitted, found.fitted)
    np.testing.assert_array_equal(found.X, query_features(model, jae.io.read_competition(*paths[name])).X)


def test_counts_not_read_in_one_ordered_pass_are_told_by_a_pass_of_their_own(files):
    model, paths = files
    counts = open_rna(paths["own"][0]).sources()[0]
    seen = SeenCounts(counts)
    for _ in seen.blocks(64, start=64):  # rows 64 on, not from the first: nothing is taken from them
        pass
    np.testing.assert_array_equal(seen.fitted(model), is_fitted(model, counts))
    assert seen.fitted(model).all()
    whole = SeenCounts(counts)
    for _ in whole.blocks(64):
        pass
    for _ in whole.blocks(64):  # a second pass: the first's fingerprints, each row once
        pass
    assert whole.fitted(model).shape == (counts.shape[0],) and whole.fitted(model).all()
