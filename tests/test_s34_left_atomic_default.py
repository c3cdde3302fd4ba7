"""jae.io.atomic.atomic_path / atomic_write replaced an existing file by default (overwrite=True), unlike every
public writer: a caller that forgot to pass overwrite replaced a user's file without a word. They now default to
overwrite=False; every caller in jae passes it explicitly."""
import pytest

from jae.io.atomic import atomic_path, atomic_write


def test_atomic_write_keeps_an_existing_file_by_default(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    with pytest.raises(FileExistsError, match=r"notes\.txt exists; pass overwrite=True"):
        atomic_write(target, lambda p: p.write_text("new"))
    assert target.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    atomic_write(target, lambda p: p.write_text("new"), overwrite=True)
    assert target.read_text() == "new"


def test_atomic_path_keeps_an_existing_folder_by_default(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "w.pt").write_text("old")
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        with atomic_path(tmp_path / "model") as folder:
            folder.mkdir()
    assert (tmp_path / "model" / "w.pt").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_model_saved_into_an_empty_folder_still_works(tmp_path):
    """write_model_folder decides itself (an empty folder holds nothing to lose): it passes overwrite explicitly."""
    import torch

    from jae.checkpoint import write_model_folder

    (tmp_path / "m").mkdir()
    write_model_folder(tmp_path / "m", {}, {"w": torch.zeros(2)}, kind="jae")
    assert (tmp_path / "m" / "model.json").is_file()
