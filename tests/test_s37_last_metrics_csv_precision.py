"""Session 37: metrics.csv and diagnostics.csv were written with 6 significant digits ('%.6g'), so reading them back
differed from the table jae.evaluate returned (0.123456789 read back as 0.123457). They now hold every digit;
metrics.md stays rounded for reading."""

from __future__ import annotations

import numpy as np
import pandas as pd

import jae.report as report
from jae.report import write_report
from jae.report.table import write_table

VALUES = [0.1234567891234, 1 / 3, 2.0 / 7e-9]


def test_metrics_csv_reads_back_the_returned_table_exactly(tmp_path):
    table = pd.DataFrame({"nmi": VALUES, "overall": [np.nan, 0.987654321987, 1e-12]}, index=["a", "b", "c"])
    csv, md = write_table(table, tmp_path)
    back = pd.read_csv(csv, index_col=0)
    assert np.array_equal(back.to_numpy(), table.to_numpy(), equal_nan=True)
    assert "0.1235" in md.read_text() and "0.1234567891234" not in md.read_text()  # the .md stays rounded


def test_diagnostics_csv_reads_back_every_digit(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
    E = np.random.default_rng(0).normal(size=(40, 3))
    table = pd.DataFrame({"nmi": [VALUES[0]], "overall": [VALUES[1]]}, index=["e"])
    table.attrs["diagnostics"] = {"e": {"ilisi": VALUES[0], "clisi": VALUES[2]}}
    write_report(table, {"e": E}, tmp_path / "rep", cell_type=np.repeat(list("ab"), 20), progress_bar=False)
    back = pd.read_csv(tmp_path / "rep" / "diagnostics.csv", index_col=0)
    assert back.loc["e", "ilisi"] == VALUES[0] and back.loc["e", "clisi"] == VALUES[2]
    assert pd.read_csv(tmp_path / "rep" / "metrics.csv", index_col=0).loc["e", "overall"] == VALUES[1]
