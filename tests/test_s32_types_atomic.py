"""atomic_outputs moves a call's outputs into place all or none: a rename failing partway (a full disk, a file
locked on Windows, a folder made read-only) puts the earlier outputs back instead of leaving a mix of new and old."""

from __future__ import annotations

import os

import pytest

from jae.io.atomic import atomic_outputs, atomic_path, atomic_write


def _failing_replace(monkeypatch, name: str):
    """os.replace failing when it moves the temporary of the output ``name`` into place."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        base = os.path.basename(os.fspath(src))  # a temporary: .<name>.<hex>.tmp<suffix>
        if base.startswith(f".{name}.") and ".tmp" in base:
            raise PermissionError(13, "Permission denied", os.fspath(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def _write_both(tmp_path):
    with atomic_outputs():
        atomic_write(tmp_path / "a.txt", lambda p: p.write_text("new a"), overwrite=True)
        with atomic_path(tmp_path / "model", overwrite=True) as folder:
            folder.mkdir()
            (folder / "weights.pt").write_text("new model")
        atomic_write(tmp_path / "b.txt", lambda p: p.write_text("new b"), overwrite=True)


def test_a_failed_rename_leaves_every_earlier_output_as_it_was(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.pt").write_text("old model")
    (tmp_path / "b.txt").write_text("old b")
    _failing_replace(monkeypatch, "b.txt")
    with pytest.raises(PermissionError):
        _write_both(tmp_path)
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert (tmp_path / "model" / "weights.pt").read_text() == "old model"
    assert (tmp_path / "b.txt").read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "model"]  # no temporary, nothing aside


def test_a_failed_rename_leaves_no_new_output(tmp_path, monkeypatch):
    _failing_replace(monkeypatch, "b.txt")
    with pytest.raises(PermissionError):
        _write_both(tmp_path / "out")
    assert not (tmp_path / "out").exists()  # the folder made for the outputs is removed with them


def test_outputs_replace_the_earlier_ones_leaving_nothing_aside(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "old.pt").write_text("old model")
    _write_both(tmp_path)
    assert (tmp_path / "a.txt").read_text() == "new a"
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["weights.pt"]
    assert (tmp_path / "b.txt").read_text() == "new b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "model"]


def test_a_failed_rename_leaves_an_earlier_report_whole(tmp_path, monkeypatch):
    """atomic_files (an evaluation report) removed the earlier set's stale files and moved the new files in one by
    one: a rename failing partway left a report mixing both sets, with files of the earlier one gone."""
    from jae.io.atomic import atomic_files

    report = tmp_path / "report"
    report.mkdir()
    for name, text in (("metrics.csv", "old table"), ("umap_a.png", "old a"), ("notes.txt", "the user's")):
        (report / name).write_text(text)
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if os.path.basename(os.fspath(src)) == "umap_b.png":
            raise OSError(5, "Input/output error", os.fspath(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="Input/output error"):
        with atomic_files(report, ["metrics.csv", "umap_*.png"]) as staging:
            (staging / "metrics.csv").write_text("new table")
            (staging / "umap_b.png").write_text("new b")
    assert {p.name: p.read_text() for p in report.iterdir()} == {
        "metrics.csv": "old table", "umap_a.png": "old a", "notes.txt": "the user's"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    monkeypatch.setattr(os, "replace", real)
    with atomic_files(report, ["metrics.csv", "umap_*.png"]) as staging:
        (staging / "metrics.csv").write_text("new table")
        (staging / "umap_b.png").write_text("new b")
    assert {p.name: p.read_text() for p in report.iterdir()} == {
        "metrics.csv": "new table", "umap_b.png": "new b", "notes.txt": "the user's"}


def test_a_folder_whose_replacement_fails_is_kept(tmp_path, monkeypatch):
    """atomic_path replacing a model folder moved the old folder aside, then moved the new one in: when that rename
    failed, the old folder was left under a hidden name and the output path was gone."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.pt").write_text("old model")
    _failing_replace(monkeypatch, "model")
    with pytest.raises(PermissionError):
        with atomic_path(tmp_path / "model", overwrite=True) as folder:
            folder.mkdir()
            (folder / "weights.pt").write_text("new model")
    assert (tmp_path / "model" / "weights.pt").read_text() == "old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_replaced_file_stays_in_place_until_the_new_one_replaces_it(tmp_path, monkeypatch):
    """The earlier file is kept aside as a hard link, so a reader never finds the path missing while it is replaced."""
    (tmp_path / "a.txt").write_text("old a")
    real, seen = os.replace, []

    def replace(src, dst, *args, **kwargs):
        seen.append((tmp_path / "a.txt").exists())
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    atomic_write(tmp_path / "a.txt", lambda p: p.write_text("new a"), overwrite=True)
    with atomic_outputs():
        atomic_write(tmp_path / "a.txt", lambda p: p.write_text("newer a"), overwrite=True)
    assert all(seen) and (tmp_path / "a.txt").read_text() == "newer a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
