"""Session 33 audit of model files: hand-edited or damaged descriptions and weights are refused at load, in one line
naming model.json or weights.pt and the fix, instead of a traceback or a model that embeds or labels cells wrongly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def _edited(tmp_path: Path, edit) -> Path:
    """A copy of the format 6 fixture whose model.json ``edit`` changes in place."""
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    edit(d)
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("value", [["jae"], {"kind": "jae"}])
def test_model_kind_that_is_not_a_string_is_refused_in_one_line(tmp_path, value):
    folder = _edited(tmp_path, lambda d: d.__setitem__("model_kind", value))
    with pytest.raises(ValueError, match=r"model\.json: model_kind .* is not a kind of jae model .*damaged"):
        JAE.load(folder, device="cpu")


def test_format_version_true_is_not_read_as_format_1(tmp_path):
    folder = _edited(tmp_path, lambda d: d.__setitem__("format_version", True))
    with pytest.raises(ValueError, match="format_version True is not supported"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("key, value", [("cell_type", "abc"), ("cell_type", ["A", "A", "B"]), ("batch", ["x", "x"]),
                                        ("cell_type", [1, 2, 3])])
def test_categories_that_are_not_distinct_names_are_refused(tmp_path, key, value):
    """A text "abc" loaded as the three cell types 'a', 'b', 'c'; a repeated name loaded and every prediction failed."""
    folder = _edited(tmp_path, lambda d: d["categories"].__setitem__(key, value))
    with pytest.raises(ValueError, match=rf"model\.json: categories\.{key} is not a list of distinct names"):
        JAE.load(folder, device="cpu")
