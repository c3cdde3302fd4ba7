"""Session 37 (polmod): a model folder whose model.json (or weights.pt) is a folder (an archive unpacked wrongly, a
mkdir by a script) was refused with "model.json is missing", which a user looking at the folder sees is there. Now the
message says it is a folder, not a file, with the same fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


@pytest.mark.parametrize("name, other", [("model.json", "weights.pt"), ("weights.pt", "model.json")])
def test_a_file_that_is_a_folder_is_named_so(tmp_path, name, other):
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(FIXTURE / other, folder / other)
    (folder / name).mkdir()
    with pytest.raises(FileNotFoundError, match=rf"{name} is a folder, not a file \(the folder holds only the other "
                                                rf"file of a model, {other}\); copy the whole model folder again$"):
        JAE.load(folder, device="cpu")


def test_a_missing_file_is_still_missing(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(FIXTURE / "weights.pt", folder / "weights.pt")
    with pytest.raises(FileNotFoundError, match=r"model\.json is missing \(the folder holds only"):
        JAE.load(folder, device="cpu")
