"""Protein counts normalised by their centred log-ratio (``JAEConfig.protein_norm``; tuning.md, round 47)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.preprocess import log_normalize
from jae.preprocess.normalize import clr

FAST = JAEConfig(max_epochs=3, n_svd=20)


@pytest.fixture(scope="module")
def cite():
    return simulate(400, kind="cite", n_genes=300, n_proteins=14, n_cell_types=4, n_batches=2, seed=5)


def _unsupervised(cfg: JAEConfig = FAST) -> JAE:
    return JAE(replace(cfg, mode="unsupervised"), seed=0, device="cpu")


def test_clr_is_the_log_ratio_to_the_cells_geometric_mean_and_leaves_the_input_alone():
    counts = np.array([[0.0, 1.0, 3.0, 7.0], [10.0, 0.0, 0.0, 53.0]])
    kept = counts.copy()
    geo = np.exp(np.log1p(counts).mean(axis=1, keepdims=True))
    np.testing.assert_allclose(clr(counts), np.log1p(counts / geo), rtol=1e-6)
    np.testing.assert_array_equal(counts, kept)


def test_one_abundant_protein_moves_the_others_less_under_clr_than_under_the_log_normalisation():
    """The mechanism of round 47: dividing by the total lets one protein's counts set every other protein's value;
    the geometric mean spreads that over the panel."""
    rng = np.random.default_rng(0)
    cell = rng.poisson(20, size=(1, 14)).astype(np.float64) + 1
    boosted = cell.copy()
    boosted[0, 0] *= 20  # e.g. a lineage marker far above the rest of a narrow panel
    others = slice(1, None)
    log_shift = np.abs(log_normalize(boosted)[0, others] - log_normalize(cell)[0, others]).mean()
    clr_shift = np.abs(clr(boosted)[0, others] - clr(cell)[0, others]).mean()
    assert clr_shift < 0.5 * log_shift


def test_clr_at_a_common_depth_removes_the_depth_a_plain_clr_keeps():
    """The mechanism of ``"clr_depth"``: the pseudocount 1 weighs more in a shallow cell, so the plain CLR moves every
    protein of a run sequenced at a third of the depth; scaling each cell to one total first removes that shift."""
    rng = np.random.default_rng(0)
    share = rng.gamma(0.5, size=(500, 40))
    deep = rng.poisson(175 * share / share.sum(axis=1, keepdims=True)).astype(np.float64)  # REAP-seq's median
    shallow = rng.binomial(deep.astype(np.int64), 0.35).astype(np.float64)
    cells = shallow.sum(axis=1) > 0
    depth = float(np.median(deep.sum(axis=1)))
    shift = {d: np.abs((clr(deep[cells], d) - clr(shallow[cells], d)).mean(axis=0)).mean() for d in (None, depth)}
    assert shift[depth] < 0.2 * shift[None], shift  # measured: 0.012 against 0.200
    np.testing.assert_allclose(clr(2 * deep, depth), clr(deep, depth), atol=1e-6)  # only the proportions count
    assert not np.any(clr(np.zeros((1, 4)), depth))  # a cell without protein counts stays at zero


def test_a_clr_depth_preprocessor_keeps_the_fitted_median_count_through_save_and_load(cite, tmp_path, caplog):
    cfg = replace(FAST, protein_norm="clr_depth")
    with caplog.at_level(logging.DEBUG, logger="jae.preprocess"):
        model = JAE(cfg, seed=0, device="cpu").fit(cite, progress_bar=False)
    pre = model.preprocessor
    assert f"median protein count per cell: {pre.protein_depth:g}" in caplog.text
    counts = cite["prot"].layers["counts"]
    assert pre.protein_norm == "clr_depth" and pre.protein_depth == np.median(np.asarray(counts.sum(axis=1)))
    X = pre.transform([cite["rna"].layers["counts"], counts])
    np.testing.assert_allclose(X[:, pre.widths[0]:], clr(counts, pre.protein_depth), rtol=1e-6)
    assert f"scaled to {pre.protein_depth:g}" in pre.scale_of(1)
    model.save(tmp_path / "m")
    loaded = JAE.load(tmp_path / "m", device="cpu")
    assert loaded.preprocessor.protein_depth == pre.protein_depth
    np.testing.assert_allclose(loaded.embed(cite, key_added=None), model.embed(cite, key_added=None), atol=1e-5)


def test_unsupervised_fits_read_proteins_by_clr_and_supervised_fits_at_a_common_depth(cite, caplog):
    with caplog.at_level(logging.DEBUG, logger="jae.preprocess"):
        pre_unsup = _unsupervised().fit(cite, cell_type_key=None, progress_bar=False).preprocessor
    assert "proteins normalised by their centred log-ratio per cell (protein_norm 'clr')" in caplog.text
    pre_sup = JAE(FAST, seed=0, device="cpu").fit(cite, progress_bar=False).preprocessor
    assert (pre_unsup.protein_norm, pre_sup.protein_norm) == ("clr", "clr_depth")
    pre_log = JAE(replace(FAST, protein_norm="log"), seed=0, device="cpu").fit(cite, progress_bar=False).preprocessor
    counts = cite["prot"].layers["counts"]
    n_rna = pre_unsup.widths[0]
    X = pre_unsup.transform([cite["rna"].layers["counts"], counts])
    np.testing.assert_allclose(X[:, n_rna:], clr(counts), rtol=1e-6)
    assert "geometric mean" in pre_unsup.scale_of(1) and "scaled to" in pre_sup.scale_of(1)
    assert "1e4" in pre_log.scale_of(1) and "1e4" in pre_unsup.scale_of(0)  # the RNA keeps the seed's normalisation


def test_a_clr_model_saves_and_loads_with_its_normalisation(cite, tmp_path):
    model = _unsupervised().fit(cite, cell_type_key=None, progress_bar=False)
    model.save(tmp_path / "m")
    loaded = JAE.load(tmp_path / "m", device="cpu")
    assert loaded.preprocessor.protein_norm == "clr"
    np.testing.assert_allclose(loaded.embed(cite, key_added=None), model.embed(cite, key_added=None), atol=1e-5)


def test_files_from_before_the_option_keep_the_log_normalisation(cite, tmp_path):
    """An unsupervised model saved before round 47 log-normalised its proteins: it loads and embeds as fitted."""
    model = _unsupervised(replace(FAST, protein_norm_unsupervised="log")).fit(cite, cell_type_key=None,
                                                                               progress_bar=False)
    model.save(tmp_path / "old")
    desc = json.loads((tmp_path / "old" / "model.json").read_text())
    for key in ("protein_norm", "protein_norm_unsupervised"):
        desc["config"].pop(key)
    desc["format_version"] = 5  # as such files are: every format 6 file names its protein_norm
    (tmp_path / "old" / "model.json").write_text(json.dumps(desc))
    loaded = JAE.load(tmp_path / "old", device="cpu")
    assert loaded.preprocessor.protein_norm == "log"
    np.testing.assert_allclose(loaded.embed(cite, key_added=None), model.embed(cite, key_added=None), atol=1e-5)


@pytest.mark.parametrize("supervised", [False, True], ids=["clr", "clr_depth"])
def test_a_clr_model_embeds_a_query_with_part_of_the_panel_near_its_full_embedding(cite, supervised):
    cfg = replace(FAST, max_epochs=20)
    if supervised:  # the present proteins are scaled to the model's median count before their CLR
        model = JAE(cfg, seed=0, device="cpu").fit(cite, progress_bar=False)
    else:
        model = _unsupervised(cfg).fit(cite, cell_type_key=None, progress_bar=False)
    assert model.preprocessor.protein_norm == ("clr_depth" if supervised else "clr")
    full = model.embed(cite, key_added=None)
    keep = np.sort(np.random.default_rng(1).choice(14, 11, replace=False))
    query = {"rna": cite["rna"], "prot": cite["prot"][:, keep].copy()}
    part = model.embed(query, key_added=None)
    assert np.corrcoef(part.ravel(), full.ravel())[0, 1] > 0.98


def test_imputed_proteins_of_a_clr_model_come_in_its_scale_and_say_so(cite):
    model = _unsupervised().fit(cite, cell_type_key=None, progress_bar=False)
    out = jae.impute(model, cite["rna"].copy(), method="regression")  # RNA alone: the proteins are imputed
    scale = out.uns["jae_imputed"]["scale"]
    assert scale == model.preprocessor.scale_of(1) and "geometric mean" in scale
    measured = clr(cite["prot"].layers["counts"])
    assert np.corrcoef(out.X.ravel(), measured.ravel())[0, 1] > 0.8  # the CLR values, not the log-normalised ones
    assert np.abs(out.X.mean() - measured.mean()) < 0.2 * measured.std()


def test_an_unknown_protein_normalisation_is_refused():
    with pytest.raises(ValueError, match="protein_norm must be 'log', 'clr' or 'clr_depth'"):
        JAEConfig(protein_norm="tfidf")
    assert jae.JAEConfig().with_overrides(["protein_norm=clr"]).protein_norm_for("supervised") == "clr"
    names, bases = [["g1", "g2"], ["p1"]], [None, None]
    with pytest.raises(ValueError, match="protein_norm must be one of"):
        jae.Preprocessor.from_bases(["GEX", "ADT"], names, bases, protein_norm="CLR")
    with pytest.raises(ValueError, match="'clr_depth' needs a positive protein_depth"):
        jae.Preprocessor.from_bases(["GEX", "ADT"], names, bases, protein_norm="clr_depth")
