"""Session 37 (real-data CLI audit): jae embed's labels CSV given as an embedding to score.

jae evaluate --prediction labels.csv (the file jae embed --labels-out writes) was answered with a fix that cannot
work: convert the CSV with anndata.AnnData(pandas.read_csv(...)).write_h5ad(...), which fails on its text columns
(cell_type) with a TypeError. The file is now named for what it is, with what to pass instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae.cli._messages import cli_message


def _cells(n: int = 6) -> pd.Index:
    return pd.Index([f"c{i}" for i in range(n)])


def test_labels_csv_as_an_embedding_is_named_without_a_conversion_that_fails(tmp_path):
    from jae.evaluation import read_embedding

    cells = _cells()
    labels = pd.DataFrame({"cell_type": ["B", "T", "B", "NK", "T", "B"], "confidence": np.linspace(0.5, 1, 6),
                           "unknown": [False, True, False, False, False, False], "unknown_score": np.ones(6)},
                          index=cells)
    labels.to_csv(tmp_path / "labels.csv", index_label="cell")  # as jae embed --labels-out writes it
    with pytest.raises(ValueError, match=r"labels\.csv is a CSV file whose columns \['cell_type', 'unknown'\] hold "
                                         r"text, not numbers, so it is no embedding") as err:
        read_embedding(tmp_path / "labels.csv", cells)
    text = cli_message(str(err.value))
    assert text.startswith("--prediction file ") and "jae embed --labels-out" in text
    assert "read_csv" not in text and "write_h5ad" not in text  # no conversion that fails on text columns


def test_a_csv_of_numbers_keeps_its_conversion(tmp_path):
    from jae.evaluation import read_embedding

    cells = _cells()
    pd.DataFrame(np.random.default_rng(0).normal(size=(6, 3)), index=cells).to_csv(tmp_path / "emb.csv")
    with pytest.raises(ValueError, match=r"emb\.csv is a CSV file; accepted") as err:
        read_embedding(tmp_path / "emb.csv", cells)
    assert ".write_h5ad('emb.h5ad')" in cli_message(str(err.value))
