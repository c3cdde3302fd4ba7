"""Session 39: jae.evaluate(data, ..., report_dir=FOLDER) wrote metrics.csv and metrics.md into a model folder (or a
folder inside one), after which 'jae fit --out FOLDER --overwrite' refused it for the stray files; evaluate_files
(jae evaluate --out) refused it since session 38. jae.evaluate now refuses it too, in the same words, before any
scoring; another folder is written as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    d = tmp_path_factory.mktemp("s39_tidy39_evaluate_report_dir")
    data = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    data.obsm["X_emb"] = np.random.default_rng(0).normal(size=(data.n_obs, 6)).astype(np.float32)
    source, target = paired(60, seed=0)
    ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False).save(d / "m")
    return d, data


@pytest.mark.parametrize("where, said", [("m", "is"), ("m/report", "lies inside .*m,")])
def test_a_report_dir_in_a_model_folder_is_refused(made, where, said, monkeypatch):
    d, data = made
    scored = []
    monkeypatch.setattr("jae.metrics.evaluate_embedding", lambda *a, **k: scored.append(a) or 1 / 0)
    with pytest.raises(ValueError, match=rf"^report_dir .*{where} {said} a model folder \(model\.json and "
                                         r"weights\.pt\), which only jae fit, jae map and jae predict --save-model "
                                         r"write .*: choose another report_dir outside it$"):
        jae.evaluate(data, ["X_emb"], report_dir=d / where, report=False, progress_bar=False)
    assert not scored
    assert sorted(p.name for p in (d / "m").iterdir()) == ["model.json", "weights.pt"]


def test_another_folder_is_written(made):
    d, data = made
    (d / "eval").mkdir()
    table = jae.evaluate(data, ["X_emb"], report_dir=d / "eval", report=False, progress_bar=False)
    assert list(table.index) == ["X_emb"] and (d / "eval" / "metrics.csv").is_file()
