"""Session 36 audit of model files: a model saved into an existing folder that cannot be renamed, a mount point (the
output folder bound into a container: docker -v $PWD/out:/out, then jae fit --out /out), failed after all the work
with "[Errno 16] Device or resource busy: '/out' -> '/.out.<hex>.old'": the folder was replaced whole. A mount point
(empty, or of the model's own files) is now written into, its model files replaced as one set."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from jae import JAE
from jae.prediction import ModalityPredictor

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mount_point(tmp_path):
    """An empty tmpfs mounted on a folder (root only)."""
    folder = tmp_path / "out"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_a_model_is_saved_into_a_mount_point_and_replaced_there(mount_point, tmp_path):
    model = JAE.load(FIXTURES / "model_v6" / "model", device="cpu")
    model.save(mount_point)
    assert sorted(os.listdir(mount_point)) == ["model.json", "weights.pt"]
    loaded = JAE.load(mount_point, device="cpu")
    assert loaded.cell_types == model.cell_types
    model.save(mount_point, overwrite=True)
    assert sorted(os.listdir(mount_point)) == ["model.json", "weights.pt"]
    assert sorted(os.listdir(tmp_path)) == ["out"]  # no temporary or earlier folder left beside it


def test_a_predictor_is_saved_into_a_mount_point(mount_point):
    predictor = ModalityPredictor.load(FIXTURES / "predictor_v6" / "knn", device="cpu")
    predictor.save(mount_point)
    assert sorted(os.listdir(mount_point)) == ["model.json", "weights.pt"]


def test_a_folder_taken_for_a_mount_point_is_written_into_not_replaced(tmp_path, monkeypatch):
    """Any file system: a folder that os.path.ismount calls a mount point keeps being that folder (never renamed)."""
    folder = tmp_path / "models"
    folder.mkdir()
    inode = folder.stat().st_ino
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == folder or real(p))
    model = JAE.load(FIXTURES / "model_v6" / "model", device="cpu")
    model.save(folder)
    assert folder.stat().st_ino == inode  # each time: a freed inode may be given again to the next new folder
    model.save(folder, overwrite=True)
    assert folder.stat().st_ino == inode
    assert sorted(os.listdir(folder)) == ["model.json", "weights.pt"] and sorted(os.listdir(tmp_path)) == ["models"]
    expected = np.load(FIXTURES / "model_v6" / "expected_embedding.npy")
    assert len(JAE.load(folder, device="cpu").column_names) == expected.shape[1]


def test_an_ordinary_folder_is_still_replaced_whole(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    inode = folder.stat().st_ino
    JAE.load(FIXTURES / "model_v6" / "model", device="cpu").save(folder)
    assert folder.stat().st_ino != inode and sorted(os.listdir(folder)) == ["model.json", "weights.pt"]


def test_an_old_layout_predictor_folder_replaced_in_place_keeps_no_predictor_json(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == folder or real(p))
    shutil.copytree(FIXTURES / "predictor_v1", folder)
    assert (folder / "predictor.json").is_file()
    ModalityPredictor.load(folder, device="cpu").save(folder, overwrite=True)
    assert sorted(os.listdir(folder)) == ["model.json", "weights.pt"]
    assert ModalityPredictor.load(folder, device="cpu").method
