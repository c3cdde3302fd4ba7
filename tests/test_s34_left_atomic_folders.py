"""A failed atomic_write / atomic_path / atomic_files outside an atomic_outputs block left behind the folders it had
made for its output (jae.report.write_table(table, 'new/report') failing left 'new/report', empty); they are now
removed with the temporary, as an atomic_outputs block already did. Folders that were there stay."""

from __future__ import annotations

import pytest

from jae.io.atomic import atomic_files, atomic_path, atomic_write


def _fail(path):
    path.write_text("half")
    raise RuntimeError("write failed")


def test_a_failed_write_leaves_no_folder_it_made(tmp_path):
    (tmp_path / "mine").mkdir()
    with pytest.raises(RuntimeError, match="write failed"):
        atomic_write(tmp_path / "new" / "sub" / "f.txt", _fail)
    with pytest.raises(RuntimeError, match="write failed"):
        atomic_write(tmp_path / "mine" / "sub" / "f.txt", _fail)
    with pytest.raises(RuntimeError, match="write failed"):
        with atomic_path(tmp_path / "new2" / "model") as tmp:
            tmp.mkdir()
            raise RuntimeError("write failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"] and not any((tmp_path / "mine").iterdir())


def test_a_failed_file_set_leaves_no_folder_it_made(tmp_path):
    with pytest.raises(RuntimeError, match="write failed"):
        with atomic_files(tmp_path / "new" / "report", ["*.csv"]) as staging:
            _fail(staging / "metrics.csv")
    assert list(tmp_path.iterdir()) == []
    atomic_write(tmp_path / "new" / "f.txt", lambda p: p.write_text("x"))  # a write that succeeds keeps them
    assert (tmp_path / "new" / "f.txt").read_text() == "x"
