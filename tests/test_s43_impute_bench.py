"""Session 43 (issue 15): ``benchmarks/_impute_new_cells.py`` measures ``jae.impute`` on new cells read undivided
(the library) and divided by the held-out scale as ``embed`` reads them (``new_cells_divided``, a switch around the
library, which stays unchanged). Its ``divided`` variant must be exactly embed's reading (new cells' rows, their
filled-in block included, divided; the fit's own cells untouched), its scores what they say, and its bad arguments one
argparse line before any fit."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.query.fit_cells import scaled_new
from jae.mapping import held_out_scale_of
from jae.query import query_features

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _impute_new_cells as bench  # noqa: E402


@pytest.fixture(scope="module")
def fitted():
    md = jae.datasets.simulate(n_cells=400, kind="multiome", n_genes=300, n_peaks=400, n_cell_types=3, n_batches=2,
                               seed=4)
    fit = np.random.default_rng(1).random(md.n_obs) < 0.7
    model = JAE(JAEConfig(max_epochs=3), seed=0, device="cpu").fit(md[fit].copy(), cell_type_key="cell_type",
                                                                  progress_bar=False)
    return md, fit, model


def test_divided_variant_reads_new_cells_as_embed_and_leaves_the_fits_own(fitted):
    md, fit, model = fitted
    assert model.fit_cells is not None
    own, new = md[fit].copy().mod["rna"].copy(), md[~fit].copy().mod["rna"].copy()
    for method in bench.METHODS:
        with bench.new_cells_divided():
            own_div = jae.impute(model, own, method=method).X
        assert np.array_equal(own_div, jae.impute(model, own, method=method).X)  # the fit's own: bit for bit
    with bench.new_cells_divided():
        got = jae.impute(model, new, method="regression").X
    found = query_features(model, new)
    assert not found.fitted.any()
    Xd = scaled_new(model, found.X, ~found.fitted)  # embed's reading, by hand: X / scale on every column
    assert np.allclose(Xd, found.X / held_out_scale_of(model.preprocessor), atol=1e-6)
    width = model.preprocessor.widths[0]
    expected = Xd[:, width:] @ model.preprocessor.bases[1].components
    assert np.allclose(got, expected, atol=1e-5)
    assert not np.allclose(got, jae.impute(model, new, method="regression").X, atol=1e-3)
    assert query_features is jae.query.query_features  # the switch put the library back


def test_scores_are_rmse_per_cell_r_and_spread():
    truth = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0], [2.0, 0.0, 4.0]])
    pred = np.array([[0.0, 2.0, 4.0], [0.0, 1.0, 2.0], [4.0, 0.0, 2.0]])
    s = bench.scores(pred, truth)
    assert s["rmse"] == pytest.approx(np.sqrt(((pred - truth) ** 2).mean()))
    r0, r2 = np.corrcoef(pred[0], truth[0])[0, 1], np.corrcoef(pred[2], truth[2])[0, 1]
    assert s["n cells r"] == 2 and s["r"] == pytest.approx((r0 + r2) / 2)  # the constant cell left out
    assert s["spread"] == pytest.approx(np.sqrt(pred.var(axis=0).sum() / truth.var(axis=0).sum()))


@pytest.mark.parametrize("argv, words", [
    (["--report", "--jsonl", "{tmp}/absent.jsonl"], "--report: no {tmp}/absent.jsonl"),
    (["--jsonl", "{tmp}/no-folder/rows.jsonl"], "the folder {tmp}/no-folder does not exist"),
    (["--test-share", "1", "--jsonl", "{tmp}/rows.jsonl"], "--test-share must lie between 0 and 1"),
    (["--max-ref", "0", "--jsonl", "{tmp}/rows.jsonl"], "--max-ref must be >= 1"),
])
def test_bad_arguments_stop_in_one_line_before_any_fit(capsys, monkeypatch, tmp_path, argv, words):
    monkeypatch.setattr(bench, "run", lambda *a: pytest.fail("a fit started"))
    root = list(logging.root.handlers)
    with warnings.catch_warnings(), pytest.raises(SystemExit) as stop:
        bench.main([a.format(tmp=tmp_path) for a in argv])
    logging.root.handlers[:] = root
    assert stop.value.code == 2
    assert words.format(tmp=tmp_path) in capsys.readouterr().err
