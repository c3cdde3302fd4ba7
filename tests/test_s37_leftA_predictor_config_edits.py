"""Session 37: a saved predictor's model.json whose config was edited by hand to disagree with the weights
(n_source_components or n_target_components below the SVD components saved, another target_representation than
the one saved) loaded silently, its config then saying what the predictor is not. Such a file is now refused in one
line naming the field and the fix; the saved fixtures load as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae.prediction import ModalityPredictor

FIXTURE = Path(__file__).parent / "fixtures" / "predictor_v6" / "jae"


def _edited(tmp_path: Path, field, value) -> Path:
    folder = tmp_path / "p"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    d["config"][field] = value
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("field, value, said", [
    ("n_source_components", 4, "n_source_components=4, but its weights hold 10 source SVD components"),
    ("n_target_components", 3, "n_target_components=3, but its weights hold 5 target SVD components"),
    ("target_representation", "features", "target_representation='features', but its weights hold the 'svd' target "
                                          "representation"),
])
def test_a_config_edited_against_the_weights_is_refused(tmp_path, field, value, said):
    folder = _edited(tmp_path, field, value)
    with pytest.raises(ValueError) as err:
        ModalityPredictor.load(folder, device="cpu")
    assert str(err.value) == (f"{folder / 'model.json'}: its config says {said}; the file was edited or comes from "
                              "another model: copy the model folder again or refit the predictor")


def test_values_the_weights_agree_with_still_load(tmp_path):
    folder = _edited(tmp_path, "n_source_components", 50)  # a larger cap: the SVD may have kept fewer (the data's)
    assert ModalityPredictor.load(folder, device="cpu").encoder.components.shape[0] == 10
