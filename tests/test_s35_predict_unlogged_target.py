"""A training target whose .X held counts normalised without log1p (scanpy's normalize_total alone: values in the
thousands) was taken as the competition's log-scale target, with an INFO line calling it that convention, and every
prediction came out on the linear scale, silently. It is still taken (the values are the user's), now with a warning
naming the scale and the fix; log-scale targets are taken as before, without it."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from jae.prediction import ModalityPredictor
from jae.prediction.targets import lognorm_natural

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

SAID = "not on the competition's log scale"


def _fit(source, target, caplog):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae.prediction.targets"):
        return ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False)


def test_an_unlogged_target_is_warned_about(caplog):
    for kind in ("GEX", "ADT"):
        source, target = paired(40, seed=0, target=kind, n_target=8)
        if kind == "GEX":
            source.var["feature_types"] = "ATAC"  # GEX is the target here
            source.var_names = [f"chr1-{100 * i}-{100 * i + 50}" for i in range(source.n_vars)]
        counts = target.layers["counts"].toarray()
        target.X = sp.csr_matrix(counts / counts.sum(1, keepdims=True) * 1e4)  # normalize_total without log1p
        model = _fit(source, target, caplog)
        warned = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 1 and SAID in warned[0].getMessage(), caplog.text
        assert warned[0].getMessage().startswith("train_target.X holds values up to ")
        # the target is .X, as before: the mean baseline predicts its column means
        np.testing.assert_allclose(model.predict(source).X[0], np.asarray(target.X.mean(0)).ravel(), rtol=1e-5)


def test_a_log_scale_target_is_taken_quietly(caplog):
    source, target = paired(40, seed=0, target="ADT", n_target=8)
    target.X = lognorm_natural(target.layers["counts"])  # log scale: below log1p(1e4)
    _fit(source, target, caplog)
    assert SAID not in caplog.text and "using .X as the normalised ADT target" in caplog.text
