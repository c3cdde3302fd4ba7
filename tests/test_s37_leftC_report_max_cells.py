"""jae.report.write_report(max_cells=1), which its check let through (">= 1"), failed after the tables with
"embedding must be a 2-D array (n_cells, n_dims) with at least 2 cells; got shape (1, 6)", naming no argument
(the embedding has 200 cells). It is now refused first, naming max_cells and the least it takes (s37 audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae.report import write_report


def _table():
    table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=pd.Index(["jae"], name="embedding"))
    return table


def test_max_cells_1_is_refused_before_any_file(tmp_path):
    E = np.random.default_rng(0).normal(size=(200, 6)).astype(np.float32)
    ct = np.array(list("abcd") * 50)
    with pytest.raises(ValueError, match=r"^max_cells must be a number of cells >= 2 \(a UMAP needs two\), or None "
                                         r"for every cell, not 1$"):
        write_report(_table(), {"jae": E}, tmp_path / "rep", cell_type=ct, max_cells=1, progress_bar=False)
    assert not (tmp_path / "rep").exists() or not any((tmp_path / "rep").iterdir())
