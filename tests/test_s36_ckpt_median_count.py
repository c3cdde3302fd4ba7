"""Session 36 audit of model files: a model.json whose proteins' median count (the common depth of format 6's
'clr_depth' normalisation) reads Infinity, true or a text is refused at load in one line naming model.json and the
fix; Infinity loaded, and every embed then failed with 'logits have 40 of 40 rows with NaN ...: pass finite logits'."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def _edited(folder: Path, value) -> Path:
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    assert d["modalities"][1]["kind"] == "ADT"
    d["modalities"][1]["median_count"] = value
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("value", [float("inf"), True, "245.5"])
def test_a_median_count_that_is_not_a_finite_positive_number_is_refused(tmp_path, value):
    folder = _edited(tmp_path / "model", value)
    with pytest.raises(ValueError, match=r"model\.json: the median protein count of modality 'prot' is .*, not a finite "
                                         r"positive number; the model folder is damaged: copy it again or refit"):
        JAE.load(folder, device="cpu")


def test_a_whole_median_count_still_loads(tmp_path):
    """An integer count (JSON's 246) is a number like 245.5."""
    assert JAE.load(_edited(tmp_path / "model", 246), device="cpu").preprocessor.protein_depth == 246
