"""Session 37: write_report checked each embedding for NaN / infinite rows on a float64 copy of it, so a float32 atlas
embedding (jae's, scVI's) took three times its memory again before any UMAP was drawn (jae.evaluate's own check
avoids that copy); the values are now checked as they are. The refusal of bad rows is unchanged."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from jae.report import write_report


def test_a_float32_embedding_is_checked_without_a_float64_copy(tmp_path):
    n, d = 20_000, 50
    E = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    labels = np.array(["a", "b"] * (n // 2), dtype=object)
    tracemalloc.start()
    try:
        # the table is refused right after the embeddings' check: the peak is the check's alone
        with pytest.raises(TypeError, match="table must be the metrics table"):
            write_report(pd.DataFrame({"nmi": [0.5]}, index=["z"]), {"z": E}, tmp_path / "r", cell_type=labels,
                         progress_bar=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.6 * E.nbytes  # a float64 copy is 2 x E.nbytes; the finite mask is 0.25 x
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, object])
def test_rows_with_nan_or_infinity_are_still_refused(tmp_path, dtype):
    E = np.random.default_rng(0).normal(size=(40, 3)).astype(dtype)
    E[3, 1], E[7, 0] = np.nan, np.inf
    with pytest.raises(ValueError, match="embedding 'z' has 2 rows with NaN or infinite values"):
        write_report(pd.DataFrame({"overall": [0.5]}, index=["z"]), {"z": E}, tmp_path / "r",
                     cell_type=np.array(["a", "b"] * 20, dtype=object), progress_bar=False)
