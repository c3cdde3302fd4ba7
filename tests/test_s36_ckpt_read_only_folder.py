"""Session 36 audit of model files: saving a model into a folder that cannot be written to (a read-only mount, e.g.
a container image of squashfs, which has no free space) said "the disk of ... ran out of space ...: free some space",
a fix that cannot help; it now names the folder as not writable."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"
NOT_WRITABLE = r"the folder .* is not writable \(Read-only file system\), so model cannot be written there; nothing " \
               r"was written: choose a folder you can write to"


def test_a_read_only_folder_without_free_space_is_named_as_read_only(tmp_path, monkeypatch):
    """As on a squashfs image: every write fails with EROFS and the disk reports no free space."""
    model = JAE.load(FIXTURE, device="cpu")
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.parent == tmp_path and self.name.startswith("."):  # the model folder's temporary
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: namedtuple("usage", "total used free")(1 << 30, 1 << 30, 0))
    with pytest.raises(PermissionError, match=NOT_WRITABLE):
        model.save(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def read_only(tmp_path):
    """A read-only tmpfs (root only)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_mount_is_named_as_read_only(read_only):
    with pytest.raises(PermissionError, match=NOT_WRITABLE):
        JAE.load(FIXTURE, device="cpu").save(read_only / "model")
