"""Session 35: embeddings named by numbers of both kinds (a sweep, {1: Z, 0.5: Z2}) came back in a float index, so
the metrics table, metrics.md and index.html called the embedding 1 '1.0' while its UMAP and diagnostics said '1'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jae.report import metrics_table, table_markdown


def _result() -> pd.Series:
    result = pd.Series({"nmi": 0.4, "asw_label": 0.5, "cc_cons": 0.6, "ti_cons": 0.7, "asw_batch": 0.9,
                        "graph_conn": 0.8, "overall": 0.65})
    result.attrs["averaged"] = ["nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn"]
    return result


def test_numbers_as_names_keep_their_own_spelling():
    table = metrics_table({1: _result(), 0.5: _result()})
    assert [str(n) for n in table.index] == ["1", "0.5"] and table.index.name == "embedding"
    assert table.loc[1, "overall"] == 0.65
    text = table_markdown(table)
    assert "| 1 | " in text and "- 1: overall" in text and "1.0" not in text


def test_names_of_one_kind_keep_their_index_type():
    assert metrics_table({1: _result(), 2: _result()}).index.dtype == np.int64
    assert list(metrics_table({"a": _result(), "b": _result()}).index) == ["a", "b"]
