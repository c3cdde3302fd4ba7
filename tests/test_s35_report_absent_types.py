"""Session 35: the report's UMAPs of a random subset (--umap-max-cells) left a rare cell type with no cell in the
subset out of every legend without a word; the page now names it, with its cell count."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jae.report import metrics_table, write_report


def _result() -> pd.Series:
    result = pd.Series({"nmi": 0.4, "asw_label": 0.5, "cc_cons": np.nan, "ti_cons": np.nan, "asw_batch": 0.9,
                        "graph_conn": 0.8, "overall": 0.65})
    result.attrs["averaged"] = ["nmi", "asw_label", "asw_batch", "graph_conn"]
    return result


def test_a_type_with_no_cell_in_the_umap_subset_is_named_on_the_page(tmp_path):
    n, cap = 60, 30
    subset = np.sort(np.random.default_rng(0).choice(n, size=cap, replace=False))  # write_report's subset, seed 0
    rare = int(np.setdiff1d(np.arange(n), subset)[0])
    cell_type = np.array(["T <cd4>" if i % 2 else "B" for i in range(n)], dtype=object)
    cell_type[rare] = "pDC & co"
    batch = np.array(["b1"] * (n - 1) + ["b2"], dtype=object)
    batch[rare], batch[-1] = "b2", "b1"  # the one cell of b2 is outside the subset too
    Z = np.random.default_rng(1).normal(size=(n, 4))
    write_report(metrics_table({"z": _result()}), {"z": Z}, tmp_path / "r", cell_type=cell_type, batch=batch,
                 max_cells=cap, seed=0, progress_bar=False, device="cpu")
    page = (tmp_path / "r" / "index.html").read_text()
    assert ("The subset holds no cell of the cell type pDC &amp; co (1 cell); batch b2 (1 cell).</p>" in page)


def test_no_word_when_every_type_is_in_the_subset(tmp_path):
    n = 60
    cell_type = np.array(["A", "B"] * (n // 2), dtype=object)
    write_report(metrics_table({"z": _result()}), {"z": np.random.default_rng(1).normal(size=(n, 4))}, tmp_path / "r",
                 cell_type=cell_type, max_cells=30, seed=0, progress_bar=False, device="cpu")
    page = (tmp_path / "r" / "index.html").read_text()
    assert "random 30 of 60 cells, seed 0" in page and "holds no cell" not in page


def test_each_umap_figure_counts_what_its_subset_lacks(tmp_path, monkeypatch):
    """The page named the labels absent from the subset, but a UMAP PNG shared alone still left them out of its
    legends without a word: its title now counts them."""
    import jae.report

    titles = []
    real = jae.report.plot_umaps
    monkeypatch.setattr(jae.report, "plot_umaps", lambda *a, **kw: (titles.append(kw["title"]), real(*a, **kw))[1])
    n, cap = 60, 30
    subset = np.sort(np.random.default_rng(0).choice(n, size=cap, replace=False))
    rare = np.setdiff1d(np.arange(n), subset)[:3]
    cell_type = np.array(["A", "B"] * (n // 2), dtype=object)
    cell_type[rare[:2]] = ["rare 1", "rare 2"]
    batch = np.array(["b1"] * n, dtype=object)
    batch[rare[2]] = "b2"
    write_report(metrics_table({"z": _result()}), {"z": np.random.default_rng(1).normal(size=(n, 4))}, tmp_path / "r",
                 cell_type=cell_type, batch=batch, max_cells=cap, seed=0, progress_bar=False, device="cpu")
    assert titles == ["z (4 dims, overall 0.6500)\nUMAP of a random 30 of 60 cells, seed 0; no cell of 2 cell types "
                      "or 1 batch in it (index.html names them)"]
    page = (tmp_path / "r" / "index.html").read_text()
    assert "The subset holds no cell of the cell types rare 1 (1 cell), rare 2 (1 cell); batch b2 (1 cell)." in page
