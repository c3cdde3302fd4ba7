"""Session 33 (left): a report written inside an atomic_outputs block (as jae demo writes its report) replaces the
earlier report all or none, when the whole block ends."""

from __future__ import annotations

import numpy as np
import pytest

from jae.io.atomic import atomic_files, atomic_outputs, atomic_write
from jae.metrics import evaluate_embedding
from jae.report import metrics_table, write_report


def test_atomic_files_inside_atomic_outputs_moves_in_with_the_block(tmp_path):
    folder = tmp_path / "rep"
    folder.mkdir()
    (folder / "old.txt").write_text("earlier")
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(RuntimeError, match="late failure"):
        with atomic_outputs():
            with atomic_files(folder, ["*.txt"]) as staging:
                (staging / "new.txt").write_text("new")
            assert not (folder / "new.txt").exists() and (folder / "old.txt").exists()  # not yet: with the block
            raise RuntimeError("late failure")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # no staging folder left behind
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt", "old.txt"]
    with atomic_outputs():
        atomic_write(tmp_path / "other.txt", lambda p: p.write_text("x"))
        with atomic_files(folder, ["old.txt", "new.txt"]) as staging:
            (staging / "new.txt").write_text("new")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt", "new.txt"]  # the earlier set replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "rep"]


def test_atomic_files_inside_a_failed_block_removes_the_folders_it_made(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_outputs():
            with atomic_files(tmp_path / "a" / "rep", ["*"]) as staging:
                (staging / "x.txt").write_text("x")
            raise RuntimeError("late failure")
    assert list(tmp_path.iterdir()) == []


def test_report_replaced_inside_a_failed_block_keeps_the_earlier_report(tmp_path):
    """jae demo writes its report inside atomic_outputs: write_report unlinked the earlier report's UMAP of an
    embedding it no longer has at once, so a failure after it left a report whose page showed a missing figure."""
    rng = np.random.default_rng(0)
    types = np.repeat(["x", "y", "z"], 20)
    codes = np.repeat([0, 1, 2], 20)[:, None].astype(float)
    embs = {"a": codes + rng.normal(scale=0.3, size=(60, 3)), "b": codes + rng.normal(scale=1.0, size=(60, 3))}
    results = {k: evaluate_embedding(v, cell_type=types, progress_bar=False) for k, v in embs.items()}
    out = tmp_path / "rep"
    write_report(metrics_table(results), embs, out, cell_type=types, progress_bar=False, device="cpu")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "umap_b.png" in before
    with pytest.raises(RuntimeError, match="late failure"):
        with atomic_outputs():
            write_report(metrics_table({"a": results["a"]}), {"a": embs["a"]}, out, cell_type=types,
                         progress_bar=False, device="cpu", overwrite=True)
            raise RuntimeError("late failure")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]
    with atomic_outputs():
        index = write_report(metrics_table({"a": results["a"]}), {"a": embs["a"]}, out, cell_type=types,
                             progress_bar=False, device="cpu", overwrite=True)
    assert index == out / "index.html" and index.is_file()
    assert "umap_b.png" not in {p.name for p in out.iterdir()} and (out / "umap_a.png").is_file()


@pytest.mark.parametrize("as_text", [True, False])
def test_one_protected_path_alone_is_protected(tmp_path, as_text):
    """protect='in.h5mu' (one path, not a list) was read as its characters, so the input was overwritten."""
    inp = tmp_path / "in.txt"
    inp.write_text("input")
    protect = str(inp) if as_text else inp
    with pytest.raises(ValueError, match="refusing to overwrite input file"):
        atomic_write(inp, lambda p: p.write_text("over"), protect=protect)
    with pytest.raises(ValueError, match="refusing to overwrite input file"):
        with atomic_files(tmp_path, ["*.txt"], protect=protect) as staging:
            (staging / "in.txt").write_text("over")
    assert inp.read_text() == "input"


def test_atomic_files_takes_one_owned_pattern_as_one(tmp_path):
    """owned='umap_*.png' (one pattern, not a list) was read as its characters: the '*' among them matched every
    file of the folder, which the new set removed."""
    (tmp_path / "umap_a.png").write_text("old")
    (tmp_path / "data.h5mu").write_text("the user's data")
    with atomic_files(tmp_path, "umap_*.png") as staging:
        (staging / "umap_b.png").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.h5mu", "umap_b.png"]


@pytest.mark.parametrize("overwrite", ["False", "", None])
def test_writers_refuse_overwrite_not_true_or_false(tmp_path, overwrite):
    """jae.io.write_atomic(adata, path, overwrite='False') replaced the file (a truthy text)."""
    import anndata as ad

    from jae.io import write_atomic

    path = tmp_path / "x.h5ad"
    ad.AnnData(np.zeros((2, 2))).write_h5ad(path)
    with pytest.raises(TypeError, match=r"^overwrite must be True or False, not "):
        write_atomic(ad.AnnData(np.ones((3, 2))), path, overwrite=overwrite)
    with pytest.raises(TypeError, match=r"^overwrite must be True or False, not "):
        atomic_write(tmp_path / "new.txt", lambda p: p.write_text("x"), overwrite=overwrite)
    assert ad.read_h5ad(path).shape == (2, 2) and sorted(p.name for p in tmp_path.iterdir()) == ["x.h5ad"]


def test_report_into_a_file_is_refused_before_any_umap(tmp_path, monkeypatch):
    """A report folder that is a file was refused only after every UMAP was drawn (mkdir's 'File exists')."""
    import jae.report as report

    monkeypatch.setattr(report, "umap_coordinates", lambda *a, **k: pytest.fail("a UMAP was drawn first"))
    out = tmp_path / "rep"
    out.write_text("a file")
    table = metrics_table({"a": evaluate_embedding(np.eye(18)[:, :3] + np.arange(18)[:, None], cell_type=list("x" * 9 + "y" * 9),
                                                   progress_bar=False)})
    with pytest.raises(NotADirectoryError, match=r"rep is a file, where a folder of results goes"):
        report.write_report(table, {"a": np.zeros((6, 2))}, out, cell_type=list("xxxyyy"), progress_bar=False)
    assert out.read_text() == "a file" and sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def test_report_into_a_folder_not_writable_is_refused_before_any_umap(tmp_path, monkeypatch):
    """The report is staged beside its folder (atomic_files): a folder that cannot be written (a read-only mount;
    simulated here, as root writes anywhere) failed only when the files were moved in, after every UMAP."""
    import jae.io.outputs
    import jae.report as report

    out = tmp_path / "rep"
    out.mkdir()
    real = jae.io.outputs._writable
    monkeypatch.setattr(jae.io.outputs, "_writable", lambda folder: folder != out and real(folder))
    monkeypatch.setattr(report, "umap_coordinates", lambda *a, **k: pytest.fail("a UMAP was drawn first"))
    table = metrics_table({"a": evaluate_embedding(np.eye(18)[:, :3] + np.arange(18)[:, None], cell_type=list("x" * 9 + "y" * 9),
                                                   progress_bar=False)})
    with pytest.raises(PermissionError, match=r"rep is not writable; choose a folder you can write to"):
        report.write_report(table, {"a": np.zeros((6, 2))}, out, cell_type=list("xxxyyy"), progress_bar=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]
