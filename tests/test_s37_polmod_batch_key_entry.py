"""Session 37 (polmod): a model.json whose batch_key is not a column name (a list, a number: a hand edit) loaded, and
jae map / map_query with the model's own batch column then failed with pandas' "unhashable type: 'list'". Now the
load refuses it in one line naming model.json and the fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


@pytest.mark.parametrize("value", [["batch"], 3, {"a": 1}])
def test_batch_key_that_is_not_a_name_is_refused_at_load(tmp_path, value):
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    d["batch_key"] = value
    (folder / "model.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"model\.json has a malformed entry \(batch_key is .*, not the name of an obs "
                                         r"column\); the model folder is damaged: copy it again or refit the model$"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("value", [None, "batch", "sample"])
def test_a_name_or_none_still_loads(tmp_path, value):
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    d["batch_key"] = value
    (folder / "model.json").write_text(json.dumps(d))
    assert JAE.load(folder, device="cpu").batch_key == value
