"""Session 36 audit of model files: a predictor folder of the old layout (predictor.json + weights.pt) whose
weights.pt is truncated said "copy the model folder again or refit the model", which jae predict gave as "refit it
with jae fit", a verb that never makes predictors; it now says "refit the predictor" (CLI: jae predict --save-model),
as for predictor folders of today's layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae.cli import main
from jae.prediction import ModalityPredictor

FIXTURE = Path(__file__).parent / "fixtures" / "predictor_v1"


@pytest.fixture
def truncated(tmp_path) -> Path:
    folder = tmp_path / "predictor"
    shutil.copytree(FIXTURE, folder)
    weights = folder / "weights.pt"
    weights.write_bytes(weights.read_bytes()[:500])
    return folder


def test_a_truncated_old_layout_predictor_says_refit_the_predictor(truncated):
    with pytest.raises(ValueError, match=r"weights\.pt is not a valid jae weights file \(truncated, damaged or not "
                                         r"written by jae\); copy the model folder again or refit the predictor$"):
        ModalityPredictor.load(truncated, device="cpu")


def test_the_cli_names_jae_predict_not_jae_fit(truncated, tmp_path, caplog):
    shutil.copy(FIXTURE.parent / "predictor_v1_query.h5ad", tmp_path / "query.h5ad")
    assert main(["-q", "predict", "--model", str(truncated), "--test-mod1", str(tmp_path / "query.h5ad"),
                 "--output", str(tmp_path / "p.h5ad")]) == 1
    assert "jae predict --save-model" in caplog.text and "jae fit" not in caplog.text
