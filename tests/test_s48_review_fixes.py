"""Session 48's review of the merged work (layer= for prediction, one progress bar per jae evaluate).

- a backed AnnData whose counts are the in-memory layer layer= names was refused unless that layer was 'counts';
- the training target's log lines and refusals said layers['counts'] whatever layer= named;
- layer='raw' with a query file that has no .raw: its refusal gave the general fix ("layer='raw' for an AnnData's
  .raw", already passed), so a refusal of both sources said two different fixes in one line;
- cc_cons n/a's reason began with an internal name ("score_cell_cycle: ", "CellCycleScorer: ").
"""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


def _in_layer(a: ad.AnnData, layer: str) -> ad.AnnData:
    """``a`` with its counts in ``layers[layer]`` alone and log values in .X."""
    out = a.copy()
    out.layers[layer] = out.layers.pop("counts")
    out.X = sp.csr_matrix(np.log1p(out.layers[layer].toarray()))
    return out


def test_a_backed_anndata_with_counts_in_the_named_layer_is_read(tmp_path):
    src, tgt = paired(60, seed=0)
    query = paired(12, seed=1, prefix="q")[0]
    src, query = _in_layer(src, "umi"), _in_layer(query, "umi")
    src.write_h5ad(tmp_path / "src.h5ad")
    query.write_h5ad(tmp_path / "q.h5ad")
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(
        ad.read_h5ad(tmp_path / "src.h5ad", backed="r"), tgt, progress_bar=False, layer="umi")
    expected = ModalityPredictor("mean", seed=0, device="cpu").fit(src, tgt, progress_bar=False, layer="umi")
    got = model.predict(ad.read_h5ad(tmp_path / "q.h5ad", backed="r"), layer="umi").X
    np.testing.assert_array_equal(got, expected.predict(query, layer="umi").X)
    with pytest.raises(ValueError, match=r"^query_source is a backed AnnData"):  # .X stays in the file: as before
        model.predict(ad.read_h5ad(tmp_path / "q.h5ad", backed="r"), layer=None)


def test_the_target_layer_read_is_the_one_named(caplog):
    src, tgt = paired(60, seed=0)
    src = _in_layer(src, "umi")
    tgt.layers["umi"] = tgt.layers.pop("counts")
    tgt.X = None
    with caplog.at_level(logging.INFO, logger="jae"):
        ModalityPredictor("mean", seed=0, device="cpu").fit(src, tgt, progress_bar=False, layer="umi")
    assert "building the ADT target from layers['umi']" in caplog.text
    assert "layers['counts']" not in caplog.text


def test_layer_raw_refusing_a_file_and_an_anndata_says_the_fix_once(tmp_path):
    src, tgt = paired(60, seed=0)
    query = paired(12, seed=1, prefix="q")[0]
    for a in (src, query):
        del a.layers["counts"]
        a.X = sp.csr_matrix(np.log1p(a.X.toarray()))  # log values in .X, no .raw
    query.write_h5ad(tmp_path / "q.h5ad")
    with pytest.raises(ValueError) as err:
        jae.predict(src, tgt, tmp_path / "q.h5ad", method="mean", progress_bar=False, layer="raw")
    text = str(err.value)
    assert text.startswith("train_source.X has ") and ", and query_source.X has " in text
    assert text.count("what layer='raw' read") == 1, text
    assert "jae needs raw counts: pass layer=" not in text  # layer='raw' was passed: not suggested again


@pytest.mark.parametrize("opened", [False, True])
def test_cc_cons_reason_is_in_plain_words(caplog, tmp_path, opened):
    # in memory the reason began 'score_cell_cycle: ', from an opened file (jae evaluate --h5mu) 'CellCycleScorer: '
    mdata = jae.datasets.simulate(80, n_genes=200, n_peaks=100, n_cell_types=3, n_batches=2, seed=0)
    mdata.mod["rna"].var_names = [f"gene{i}" for i in range(mdata.mod["rna"].n_vars)]  # no cell-cycle marker genes
    mdata.update()
    if opened:
        mdata.write(tmp_path / "x.h5mu")
        mdata = jae.io.open_h5mu(tmp_path / "x.h5mu")
    emb = np.random.default_rng(0).normal(size=(80, 4))
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(mdata, {"e": emb}, baseline=False, report=False, progress_bar=False)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("cc_cons is n/a"))
    assert line.startswith("cc_cons is n/a: cell-cycle scores unavailable: only 0 S-phase"), line
    assert "score_cell_cycle" not in line and "CellCycleScorer" not in line


def test_evaluate_embedding_cc_reason_is_in_plain_words(caplog):
    rng = np.random.default_rng(0)
    gex = rng.poisson(1.0, size=(60, 30)).astype(np.float32)
    E = rng.normal(size=(60, 4))
    with caplog.at_level(logging.WARNING, logger="jae"):
        result = jae.metrics.evaluate_embedding(E, cell_type=np.repeat(["a", "b", "c"], 20), gex=np.log1p(gex),
                                                gex_var_names=[f"gene{i}" for i in range(30)], progress_bar=False,
                                                diagnostics=False)
    reason = result.attrs["skipped"]["cc_cons"]
    assert reason.startswith("cell-cycle scores unavailable: only 0 S-phase"), reason
    assert "score_cell_cycle" not in caplog.text


def test_a_file_and_an_anndata_without_the_layer_are_told_the_fix_once(tmp_path, caplog):
    # log values in .X and another layer ('norm') in both, no 'counts' layer: the file's refusal told the fix for
    # layer='raw' (not passed) beside the in-memory one's, in one line
    from jae.cli import main

    src, tgt = paired(60, seed=0)
    query = paired(12, seed=1, prefix="q")[0]
    for a in (src, query):
        del a.layers["counts"]
        a.X = sp.csr_matrix(np.log1p(a.X.toarray()))
        a.layers["norm"] = a.X.copy()
    query.write_h5ad(tmp_path / "q.h5ad")
    fix = ".X holds no raw counts and there is no layer 'counts'; its layers are ['norm']: pass layer=..."
    with pytest.raises(ValueError) as err:
        jae.predict(src, tgt, tmp_path / "q.h5ad", method="mean", progress_bar=False)
    assert ", and query_source.X has " in str(err.value) and str(err.value).count(fix) == 1, str(err.value)
    assert "layer='raw'" not in str(err.value)
    src.write_h5ad(tmp_path / "s.h5ad")
    tgt.write_h5ad(tmp_path / "t.h5ad")
    with caplog.at_level(logging.ERROR):
        rc = main(["predict", "--train-mod1", str(tmp_path / "s.h5ad"), "--train-mod2", str(tmp_path / "t.h5ad"),
                   "--test-mod1", str(tmp_path / "q.h5ad"), "--output", str(tmp_path / "o.h5ad"), "--method", "mean",
                   "-q"])
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(errors) == 1 and errors[0].count("there is no layer 'counts'") == 1, errors
    assert "--layer raw" not in errors[0] and "--layer NAME" in errors[0], errors


def test_a_source_that_is_no_anndata_is_told_where_layer_reads_the_counts():
    src, tgt = paired(20, seed=0)
    with pytest.raises(TypeError, match=r"^train_source must be an AnnData \(one modality, raw counts in "
                                        r"layers\['umi'\]\), not ndarray$"):
        ModalityPredictor("mean").fit(src.X.toarray(), tgt, progress_bar=False, layer="umi")
    with pytest.raises(TypeError, match=r"raw counts in layers\['counts'\] or \.X\), not ndarray$"):
        ModalityPredictor("mean").fit(src.X.toarray(), tgt, progress_bar=False)
