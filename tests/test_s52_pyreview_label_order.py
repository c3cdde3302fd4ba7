"""jae.metrics.evaluate_embedding (and asw_batch, diagnose_embedding) read an array embedding's labels by position.
Given two pandas Series of the same cells in different orders (``cell_type=solution.obs['cell_type']`` beside
``batch=adata.obs['batch']``, the solution file's cells in another order), one was read against the wrong cells and
the scores came back with no message (session 52). Now refused in one line naming the fix; a DataFrame embedding
still aligns both by name, and values without cell names are still read by position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae


def _data():
    rng = np.random.default_rng(0)
    cells = pd.Index([f"c{i}" for i in range(60)])
    types = pd.Series(np.repeat(["a", "b", "c"], 20), index=cells)
    batch = pd.Series(np.tile(["s1", "s2"], 30), index=cells)
    E = rng.normal(size=(60, 4)) + (types == "a").to_numpy()[:, None] * 3.0
    return E, types, batch


def test_labels_of_the_same_cells_in_another_order_are_refused():
    E, types, batch = _data()
    shuffled = types.sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match=r"^cell_type and batch hold their cells in different orders \(cell 0 is "
                                         r"'c\d+' in cell_type, 'c0' in batch\), and the embedding, an array, has no "
                                         r"cell names to align them by"):
        jae.metrics.evaluate_embedding(E, cell_type=shuffled, batch=batch, progress_bar=False, diagnostics=False)
    with pytest.raises(ValueError, match=r"e\.g\. cell_type=cell_type\.reindex\(obs_names\)$"):
        jae.metrics.asw_batch(E, batch.iloc[::-1], types)
    with pytest.raises(ValueError, match="hold their cells in different orders"):
        jae.metrics.diagnose_embedding(E, batch=batch.iloc[::-1], cell_type=types)
    # aligned values, values without cell names and a DataFrame embedding still score
    kept = jae.metrics.evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False, diagnostics=False)
    by_position = jae.metrics.evaluate_embedding(E, cell_type=types.to_numpy(), batch=batch.reset_index(drop=True),
                                                 progress_bar=False, diagnostics=False)
    pd.testing.assert_series_equal(kept, by_position)
    frame = pd.DataFrame(E, index=types.index)
    assert jae.metrics.asw_batch(frame, batch.iloc[::-1], types) == jae.metrics.asw_batch(E, batch, types)
