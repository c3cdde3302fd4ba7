"""``jae.predict`` and ``jae predict`` read the training source at ``layer`` once (session 51): ``with_layer`` ran
on it beside the query's (a layer missing in both said in one line), then again inside ``ModalityPredictor.fit``.
Now once; the predictions are those of ``ModalityPredictor(...).fit(...).predict(...)``, as before."""

from __future__ import annotations

import numpy as np

import jae
import jae.prediction.api as api
import jae.prediction.checks as checks
from jae.prediction import ModalityPredictor, PredictConfig
from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

FAST = PredictConfig(max_epochs=3, patience=2, n_members=1, hidden=(16,), latent=4)


def _counted(monkeypatch):
    calls = []
    real = checks.with_layer

    def counted(adata, layer, *, name):
        calls.append(name)
        return real(adata, layer, name=name)

    monkeypatch.setattr(api, "with_layer", counted)
    monkeypatch.setattr(checks, "with_layer", counted)
    return calls


def test_jae_predict_reads_the_training_source_once(monkeypatch):
    (src, tgt), (query, _) = paired(80, seed=0), paired(20, seed=1, prefix="q")
    calls = _counted(monkeypatch)
    pred = jae.predict(src, tgt, query, config=FAST, seed=0, device="cpu", progress_bar=False)
    assert calls.count("train_source") == 1, calls  # was 2
    monkeypatch.undo()
    alone = ModalityPredictor(config=FAST, seed=0, device="cpu").fit(src, tgt, progress_bar=False).predict(query)
    np.testing.assert_array_equal(np.asarray(pred.X), np.asarray(alone.X))


def test_jae_predict_files_read_the_training_source_once(monkeypatch, tmp_path):  # jae predict's workflow
    (src, tgt), (query, _) = paired(80, seed=0), paired(20, seed=1, prefix="q")
    paths = [tmp_path / f"{n}.h5ad" for n in ("src", "tgt", "query")]
    for adata, path in zip((src, tgt, query), paths):
        adata.write_h5ad(path)
    calls = _counted(monkeypatch)
    got = jae.predict_files(*paths, tmp_path / "pred.h5ad", method="mean", progress_bar=False, device="cpu")
    assert calls.count("train_source") + calls.count("train_mod1") == 1, calls  # was 2: train_mod1, train_source
    assert got.prediction.n_obs == query.n_obs
