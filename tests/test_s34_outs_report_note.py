"""The report page of a direct write_report(max_cells=N) call told its reader the cap is 'umap_max_cells= in Python',
an argument write_report lacks (that is jae.evaluate's); the note now names each: jae evaluate --umap-max-cells,
jae.evaluate(umap_max_cells=), jae.report.write_report(max_cells=)."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

import jae
from jae.report import write_report


def test_the_umap_note_names_the_argument_of_each_caller(tmp_path):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"overall": [0.5]}, index=["a"])
    index = write_report(table, {"a": rng.normal(size=(30, 3))}, tmp_path / "r", cell_type=np.repeat(["x", "y"], 15),
                         max_cells=20, progress_bar=False)
    page = index.read_text()
    assert "random 20 of 30 cells" in page
    assert "jae.report.write_report(max_cells=)" in page and "jae.evaluate(umap_max_cells=)" in page
    assert "max_cells" in inspect.signature(write_report).parameters
    assert "umap_max_cells" in inspect.signature(jae.evaluate).parameters


def test_an_embedding_without_a_row_in_the_table_is_refused_before_any_file(tmp_path):
    """write_report drew the UMAP of an embedding the table holds no row of, titled 'overall n/a' as if it had been
    scored and found n/a; it is now refused first. A table row without an embedding (a published score) is kept."""
    import pytest

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"overall": [0.5, 0.7]}, index=["a", "published"])
    embeddings = {"a": rng.normal(size=(30, 3)), "b": rng.normal(size=(30, 3))}
    with pytest.raises(ValueError, match=r"^embedding 'b' has no row in table \(its rows: 'a', 'published'\); "):
        write_report(table, embeddings, tmp_path / "r", cell_type=np.repeat(["x", "y"], 15), progress_bar=False)
    assert not (tmp_path / "r").exists()
    index = write_report(table, {"a": embeddings["a"]}, tmp_path / "r", cell_type=np.repeat(["x", "y"], 15),
                         progress_bar=False)
    assert "published" in (tmp_path / "r" / "metrics.csv").read_text() and index.is_file()


def test_a_table_that_is_no_metrics_table_is_refused_before_any_umap(tmp_path, monkeypatch):
    """write_report of a table without a numeric 'overall' column failed with KeyError: 'overall' after drawing a
    UMAP, of a dict with "'dict' object has no attribute 'index'", of text scores with a numpy ufunc error; each is
    now refused first in one line naming what the table must be."""
    import pytest

    import jae.report

    def no_umap(*args, **kwargs):
        raise AssertionError("a UMAP was computed before the table was checked")

    monkeypatch.setattr(jae.report, "umap_coordinates", no_umap)
    E = {"a": np.random.default_rng(0).normal(size=(20, 3))}
    for table, got in [(pd.DataFrame({"nmi": [0.5]}, index=["a"]), r"a table of columns \['nmi'\]"),
                       ({"a": 0.5}, "a dict"), (pd.DataFrame({"overall": ["x"]}, index=["a"]), "a table of columns")]:
        with pytest.raises(TypeError, match=r"^table must be the metrics table of the embeddings .*; got " + got):
            write_report(table, E, tmp_path / "r", cell_type=np.repeat(["x", "y"], 10), progress_bar=False)
    assert not (tmp_path / "r").exists()
