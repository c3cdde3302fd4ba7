"""The metrics tables of the report (session 32)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from jae.report import COLUMNS, table_markdown
from jae.report.html import _table_html


def test_values_that_read_the_same_as_the_best_are_bold_too():
    """graph_conn 1.0 and 0.99996 both read 1.0000, but only the first was bold (in metrics.md and index.html), as
    if the second were worse."""
    table = pd.DataFrame(np.full((3, len(COLUMNS)), 0.5), index=["a", "b", "c"], columns=list(COLUMNS))
    table["graph_conn"] = [1.0, 0.99996, 0.9]
    table["nmi"] = [0.61234, 0.61236, np.nan]
    md = {line.split(" | ")[0][2:]: line for line in table_markdown(table).splitlines() if line[:4] in ("| a ", "| b ",
                                                                                                      "| c ")}
    assert "**1.0000**" in md["a"] and "**1.0000**" in md["b"] and "**0.9000**" not in md["c"]
    assert md["a"].startswith("| a | 0.6123 |") and md["b"].startswith("| b | **0.6124** |")
    page = _table_html(table)
    assert len(re.findall(r'<td class="best">1.0000</td>', page)) == 2
    assert '<td class="best">0.9000</td>' not in page
