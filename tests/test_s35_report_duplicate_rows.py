"""Session 35: write_report of two runs' tables joined by pd.concat, each with its svd_baseline row, drew every
UMAP and then failed with pandas' "The truth value of a Series is ambiguous"; it is now refused first, in one line
naming the row and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae.report
from jae.report import metrics_table, write_report


def _result() -> pd.Series:
    result = pd.Series({"nmi": 0.4, "asw_label": 0.5, "cc_cons": np.nan, "ti_cons": np.nan, "asw_batch": 0.9,
                        "graph_conn": 0.8, "overall": 0.65})
    result.attrs["averaged"] = ["nmi", "asw_label", "asw_batch", "graph_conn"]
    return result


def test_a_table_with_two_rows_of_one_name_is_refused_before_any_umap(tmp_path, monkeypatch):
    def no_umap(*args, **kwargs):
        raise AssertionError("a UMAP was drawn before the table was checked")

    monkeypatch.setattr(jae.report, "umap_coordinates", no_umap)
    joined = pd.concat([metrics_table({"a": _result(), "svd_baseline": _result()}),
                        metrics_table({"b": _result(), "svd_baseline": _result()})])
    Z = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match=r"^table has 2 rows named 'svd_baseline'; keep one "
                                         r"\(table\[~table.index.duplicated\(\)\]\) or rename them"):
        write_report(joined, {"a": Z, "b": Z, "svd_baseline": Z}, tmp_path / "r", cell_type=["x", "y"] * 20,
                     progress_bar=False)
    assert not (tmp_path / "r").exists()
