"""Session 39: JAE.save(path) and ModalityPredictor.save(path), path inside another model folder (model.save('ref/tuned')
after JAE.load('ref')), wrote the model folder there, after which 'jae fit --out ref --overwrite' refused ref for the
stray folder; jae fit --out, jae map --out and jae predict --save-model refuse such a path since session 38. The saves
now refuse it too, in the same words, and a path beside the folder is saved as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

MODEL = Path(__file__).parent / "fixtures" / "model_v6" / "model"
SAID = (r"^path .*ref/tuned lies inside .*ref, a model folder \(model\.json and weights\.pt\), which only jae fit, "
        r"jae map and jae predict --save-model write \(a stray file there stops them replacing it with "
        r"overwrite=True\): choose another path outside it$")


def test_saves_inside_a_model_folder_are_refused(tmp_path):
    shutil.copytree(MODEL, tmp_path / "ref")
    model = jae.JAE.load(tmp_path / "ref", device="cpu")
    with pytest.raises(ValueError, match=SAID):
        model.save(tmp_path / "ref" / "tuned")
    predictor = ModalityPredictor("mean", seed=0, device="cpu").fit(*paired(40, seed=0), progress_bar=False)
    with pytest.raises(ValueError, match=SAID):
        predictor.save(tmp_path / "ref" / "tuned")
    assert sorted(p.name for p in (tmp_path / "ref").iterdir()) == ["model.json", "weights.pt"]
    assert model.save(tmp_path / "tuned") == tmp_path / "tuned"
    assert predictor.save(tmp_path / "pred") == tmp_path / "pred"
