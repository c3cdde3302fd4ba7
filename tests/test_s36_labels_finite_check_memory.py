"""predict_cell_type(data, embedding=...) checked the given embedding for NaN rows on a float64 copy of it
(``embedding.astype(np.float64)``): for jae's float32 embeddings a transient copy twice their size, 0.9 GB at a
million cells of 110 columns, on the path meant to be the cheap one (no embedding again). Floating-point embeddings
are now checked as they are (the same rows found: a float32 value is finite exactly when its float64 is); others
(integers, objects) are still converted, and NaN or infinite rows are refused as before."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from jae.labels.transfer import _given_embedding


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s36_labels_finite_check_memory")[1]


def test_a_float32_embedding_is_checked_without_a_float64_copy(cite):
    n, width = 20_000, len(cite.column_names)
    emb = np.random.default_rng(0).normal(size=(n, width)).astype(np.float32)
    tracemalloc.start()
    try:
        got = _given_embedding(cite, None, emb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got is emb or np.shares_memory(got, emb)
    assert peak < emb.nbytes, (peak, emb.nbytes)  # a float64 copy alone is twice emb.nbytes


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64, np.int64, object])
def test_nan_or_infinite_rows_are_still_refused_for_every_dtype(cite, dtype):
    emb = np.ones((5, len(cite.column_names)))
    assert _given_embedding(cite, None, emb.astype(dtype)).shape == emb.shape
    if dtype is np.int64:
        return
    emb[3, 1] = np.inf if dtype is np.float16 else np.nan
    with pytest.raises(ValueError, match=r"^embedding has 1 of 5 rows with NaN or infinite values \(e\.g\. cell 3\)"):
        _given_embedding(cite, None, emb.astype(dtype))
