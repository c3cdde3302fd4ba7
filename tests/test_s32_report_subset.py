"""The report says when its UMAPs show a random subset of the cells (session 32)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import jae.report as report
from jae.report import write_report


def _write(tmp_path, monkeypatch, max_cells):
    titles = []
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    real = report.plot_umaps

    def spy(coords, cell_type, batch, path, *, title, **kw):
        titles.append(title)
        return real(coords, cell_type, batch, path, title=title, **kw)

    monkeypatch.setattr(report, "plot_umaps", spy)
    rng = np.random.default_rng(0)
    E = rng.normal(size=(240, 5))
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    index = write_report(table, {"e": E}, tmp_path / str(max_cells), cell_type=np.repeat(list("abcd"), 60),
                         batch=np.tile(["b1", "b2"], 120), max_cells=max_cells, seed=3, progress_bar=False)
    return titles[0], index.read_text()


def test_a_subsampled_umap_says_so_on_the_figure_and_the_page(tmp_path, monkeypatch):
    """With more cells than --umap-max-cells the UMAPs showed a random subset, said only in a log line: a reader of
    the figure or index.html took it for every cell."""
    title, page = _write(tmp_path, monkeypatch, 100)
    assert "random 100 of 240 cells, seed 3" in title
    assert "random 100 of 240 cells, seed 3" in page[page.index("<h2>UMAPs</h2>"):]
    title, page = _write(tmp_path, monkeypatch, None)
    assert "random" not in title and "random" not in page


def test_bad_report_inputs_are_refused_before_any_file_is_written(tmp_path):
    """A batch shorter than the cell types failed with IndexError 'index 100 is out of bounds' (a longer one was
    silently misaligned and drawn); NaN rows failed in the kNN search without naming the embedding; and each left
    metrics.csv and metrics.md behind in the report folder."""
    import pytest

    rng = np.random.default_rng(0)
    E = rng.normal(size=(120, 5)).astype(np.float32)
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    types = np.repeat(list("abcd"), 30)
    nan_rows = E.copy()
    nan_rows[:3, 1] = np.nan
    cases = [({"e": E}, np.tile(["b1", "b2"], 50), "batch has 100 labels but cell_type has 120"),
             ({"e": E}, np.tile(["b1", "b2"], 70), "batch has 140 labels but cell_type has 120"),
             ({"e": nan_rows}, None, "embedding 'e' has 3 rows with NaN or infinite values"),
             ({"ok": E, "e": E[:100]}, None, "embedding 'e' has 100 rows but there are 120 cell labels")]
    for i, (embs, batch, message) in enumerate(cases):
        out = tmp_path / f"rep{i}"
        with pytest.raises(ValueError, match=message):
            write_report(table, embs, out, cell_type=types, batch=batch, progress_bar=False)
        assert not out.exists(), message


def test_write_report_keeps_an_earlier_report_unless_overwrite(tmp_path, monkeypatch):
    """write_report into a folder holding a report replaced it silently (jae's outputs are replaced only with
    overwrite=True)."""
    import pytest

    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    E = np.random.default_rng(0).normal(size=(40, 3))
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    types = np.repeat(list("ab"), 20)
    index = write_report(table, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "rep").iterdir()}
    table2 = pd.DataFrame({"nmi": [0.9], "overall": [0.9]}, index=["e"])
    with pytest.raises(FileExistsError, match=r"already holds a report \(index.html.*pass overwrite=True"):
        write_report(table2, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    assert before == {p.name: p.read_bytes() for p in (tmp_path / "rep").iterdir()}
    write_report(table2, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False, overwrite=True)
    assert "0.9000" in index.read_text()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "umap_leiden.png").write_bytes(b"scanpy's")  # not a report's file: no refusal
    write_report(table, {"e": E}, tmp_path / "other", cell_type=types, progress_bar=False)


def test_a_replaced_report_keeps_none_of_the_earlier_reports_files(tmp_path, monkeypatch):
    """write_report(overwrite=True) left the earlier report's diagnostics.csv and the UMAP of an embedding it no
    longer had beside the new files, as if they belonged to it."""
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    E = np.random.default_rng(0).normal(size=(40, 3))
    types = np.repeat(list("ab"), 20)
    old = pd.DataFrame({"nmi": [0.5, 0.4], "overall": [0.5, 0.4]}, index=["e", "dropped"])
    old.attrs["diagnostics"] = {"e": {"ilisi": 0.5}}
    write_report(old, {"e": E, "dropped": E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    (tmp_path / "rep" / "umap_leiden.png").write_bytes(b"scanpy's")  # the user's own file, not the report's
    assert {"diagnostics.csv", "umap_dropped.png"} <= {p.name for p in (tmp_path / "rep").iterdir()}
    new = pd.DataFrame({"nmi": [0.9], "overall": [0.9]}, index=["e"])
    write_report(new, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False, overwrite=True)
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "index.html", "metrics.csv", "metrics.md", "metrics.png", "umap_e.png", "umap_leiden.png"]
