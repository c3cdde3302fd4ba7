"""A direct jae.report.write_report call, its tables, page and figures (session 32, second report audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae.report as report
from jae.report import write_report


def _inputs(n=40):
    E = np.random.default_rng(0).normal(size=(n, 3))
    return E, np.repeat(list("ab"), n // 2)


def test_a_direct_write_report_that_fails_partway_leaves_nothing_behind(tmp_path, monkeypatch):
    """A write_report call that failed in a UMAP left the metrics.csv and metrics.md it had already written in the
    folder (and, replacing an earlier report, a mix of both reports); now it writes every file or none."""
    E, types = _inputs()
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    table.attrs["diagnostics"] = {"e": {"ilisi": 0.5}}

    def boom(E, **kw):
        raise RuntimeError("umap failed")

    monkeypatch.setattr(report, "umap_coordinates", boom)
    with pytest.raises(RuntimeError, match="umap failed"):
        write_report(table, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    assert not (tmp_path / "rep").exists()
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    write_report(table, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "rep").iterdir()}
    calls = []

    def second_fails(E, **kw):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("umap failed")
        return np.asarray(E)[:, :2]

    monkeypatch.setattr(report, "umap_coordinates", second_fails)
    new = pd.DataFrame({"nmi": [0.9, 0.8], "overall": [0.9, 0.8]}, index=["e", "f"])
    with pytest.raises(RuntimeError, match="umap failed"):
        write_report(new, {"e": E, "f": E}, tmp_path / "rep", cell_type=types, progress_bar=False, overwrite=True)
    assert before == {p.name: p.read_bytes() for p in (tmp_path / "rep").iterdir()}


def _named_table():
    table = pd.DataFrame({"nmi": [0.5, 0.4], "overall": [0.5, 0.4]}, index=["scvi <v2>", "a*b* &amp; [x](y)"])
    table.attrs["averaged"] = {"scvi <v2>": ["nmi"], "a*b* &amp; [x](y)": ["nmi"]}
    table.attrs["diagnostics"] = {"scvi <v2>": {"ilisi": 0.5}}
    return table


def test_metrics_md_keeps_names_that_markdown_would_swallow_and_the_cli_prints_them_as_typed(tmp_path, monkeypatch,
                                                                                         capsys):
    """metrics.md escaped only '|': on GitHub 'scvi <v2>' read 'scvi' (an HTML tag), 'a*b*' was set in italics and
    the diagnostics note's 'share:<block>' lost '<block>'. The file now escapes them; the table jae evaluate prints
    to the terminal shows the names as typed, without backslashes."""
    import jae
    from jae.cli import main
    from jae.report import table_markdown

    md = table_markdown(_named_table())
    assert "| scvi \\<v2> |" in md and "| a\\*b\\* \\&amp; \\[x](y) |" in md and "- scvi \\<v2>: overall" in md
    assert "share:\\<block>" in md and "cc_before / cc_after" in md  # '_' inside a word: no emphasis, kept
    assert "\\" not in table_markdown(_named_table(), escape=False)
    monkeypatch.setattr(jae, "evaluate_files", lambda *a, **kw: _named_table())
    (tmp_path / "x.h5ad").write_bytes(b"")
    main(["evaluate", "--h5ad", str(tmp_path / "x.h5ad"), "--obsm", "X_a", "--out", str(tmp_path / "o"),
          "--no-report"])
    printed = capsys.readouterr().out
    assert "| scvi <v2> |" in printed and "| a*b* &amp; [x](y) |" in printed and "\\" not in printed


def test_the_umap_alt_text_names_a_batch_panel_only_when_there_is_one(tmp_path, monkeypatch):
    """index.html described every UMAP as 'by cell type and batch', also when no batch was given and the figure had
    the cell-type panel alone."""
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    E, types = _inputs()
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
    page = write_report(table, {"e": E}, tmp_path / "one", cell_type=types, progress_bar=False).read_text()
    assert 'alt="UMAP of e by cell type"' in page
    page = write_report(table, {"e": E}, tmp_path / "two", cell_type=types, batch=np.tile(["b1", "b2"], 20),
                        progress_bar=False).read_text()
    assert 'alt="UMAP of e by cell type and batch"' in page


def test_a_umap_title_shows_overall_as_the_tables_do(tmp_path, monkeypatch):
    """The UMAP title showed overall to 3 decimals ('overall 0.988') beside tables with 4 ('0.9877'): two embeddings
    apart in the table read alike on their figures."""
    titles = []
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    monkeypatch.setattr(report, "plot_umaps", lambda *a, title, **kw: titles.append(title))
    E, types = _inputs()
    table = pd.DataFrame({"nmi": [0.98765], "overall": [0.98765]}, index=["e"])
    write_report(table, {"e": E}, tmp_path / "rep", cell_type=types, progress_bar=False)
    shown = f"{0.98765:.4f}"
    assert f"overall {shown})" in titles[0]
    assert f"| e | {shown} | {shown} |" in report.table_markdown(table)


def test_the_bar_charts_dashed_line_sets_off_overall_only_when_there_is_one(tmp_path, monkeypatch):
    """plot_metric_bars drew its dashed separator before the last column also for a table without 'overall',
    splitting two metrics as if the second were their mean."""
    from matplotlib.figure import Figure

    from jae.report import plot_metric_bars

    saved = []
    real = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **kw: (saved.append(self), real(self, *a, **kw))[1])

    def dashed(columns):
        table = pd.DataFrame({c: [0.5, 0.4] for c in columns}, index=["e", "f"])
        plot_metric_bars(table, tmp_path / "bars.png", overwrite=True)  # one file, drawn again
        return [line.get_xdata()[0] for line in saved[-1].get_axes()[0].get_lines() if line.get_linestyle() == "--"]

    assert dashed(["nmi", "asw_label", "overall"]) == [1.5]
    assert dashed(["nmi", "asw_label", "asw_batch"]) == []
    assert dashed(["overall"]) == []


def test_umap_legends_keep_a_categoricals_own_order(tmp_path, monkeypatch):
    """Cell types given as a pandas Categorical in lineage order (HSC, MK/E prog, Proerythroblast, ...) were listed
    in the UMAP legends in natural sort order instead; plain arrays keep the natural order."""
    from matplotlib.figure import Figure

    saved = []
    real = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **kw: (saved.append(self), real(self, *a, **kw))[1])
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    E, _ = _inputs(60)
    order = ["HSC", "MK/E prog", "Proerythroblast", "CD14+ Mono"]
    types = pd.Categorical(np.tile(order[::-1] + [None], 12), categories=order + ["unused"])
    batch = pd.Series(np.tile(["s2", "s10", "s1"], 20), dtype=pd.CategoricalDtype(["s2", "s10", "s1"]))
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])

    def legends(cell_type, batch):
        write_report(table, {"e": E}, tmp_path / "rep", cell_type=cell_type, batch=batch, progress_bar=False,
                     overwrite=True)
        umap = next(f for f in saved if len(f.subfigs) == 2)
        saved.clear()
        return [[t.get_text() for t in sub.get_axes()[0].get_legend().get_texts()] for sub in umap.subfigs]

    assert legends(types, batch) == [order + ["(no label)"], ["s2", "s10", "s1"]]
    assert legends(np.asarray(types, dtype=object), batch.to_numpy(dtype=object)) == [
        ["CD14+ Mono", "HSC", "MK/E prog", "Proerythroblast", "(no label)"], ["s1", "s2", "s10"]]
