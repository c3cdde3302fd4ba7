"""Session 36 audit of model files: a model.json whose modality name is not a text (a list, an object) is refused at
load in one line naming model.json and the fix; it loaded, and every embed then failed with Python's
"unhashable type: 'list'"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


@pytest.mark.parametrize("index, value", [(0, ["rna"]), (1, {"name": "prot"}), (1, 2)])
def test_a_modality_name_that_is_not_a_text_is_refused(tmp_path, index, value):
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    d["modalities"][index]["name"] = value
    (folder / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"model\.json: the modality names .* are not both names \(texts\); the model "
                                         r"folder is damaged: copy it again or refit the model$"):
        JAE.load(folder, device="cpu")
