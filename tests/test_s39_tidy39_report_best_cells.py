"""Session 39: metrics.md and index.html each chose the values to show and the best per column by their own copy of
the same loop; one helper, jae.report.table.shown_scores, now serves both. The tables are as before: the best as
shown in bold (0.99996 and 1.0 both read 1.0000), 'n/a' for an undefined value, no best in a table of one row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jae.report.html import _table_html
from jae.report.table import shown_scores, table_markdown

TABLE = pd.DataFrame({"nmi": [0.99996, 1.0, 0.5], "asw_label": [0.2, np.nan, 0.7]}, index=["a", "b", "c"])


def test_the_cells_shown_and_the_best():
    cols, rows = shown_scores(TABLE, digits=4)
    assert cols == ["nmi", "asw_label"]
    assert rows == [("a", [("1.0000", True), ("0.2000", False)]), ("b", [("1.0000", True), ("n/a", False)]),
                    ("c", [("0.5000", False), ("0.7000", True)])]
    assert shown_scores(TABLE, digits=5)[1][0][1][0] == ("0.99996", False)  # told apart with more decimals
    assert shown_scores(TABLE.iloc[:1])[1] == [("a", [("1.0000", False), ("0.2000", False)])]  # one row: no best


def test_markdown_and_html_show_the_same():
    md = table_markdown(TABLE).splitlines()
    assert md[2:5] == ["| a | **1.0000** | 0.2000 |", "| b | **1.0000** | n/a |", "| c | 0.5000 | **0.7000** |"]
    assert _table_html(TABLE) == (
        "<table>\n<tr><th>embedding</th><th>nmi</th><th>asw_label</th></tr>\n"
        '<tr><td>a</td><td class="best">1.0000</td><td>0.2000</td></tr>\n'
        '<tr><td>b</td><td class="best">1.0000</td><td>n/a</td></tr>\n'
        '<tr><td>c</td><td>0.5000</td><td class="best">0.7000</td></tr>\n</table>')
