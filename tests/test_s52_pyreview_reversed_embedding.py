"""An embedding numpy reversed without copying (``E[::-1]``, ``np.flip``, a DataFrame's ``.iloc[::-1]``) has negative
strides: ``jae.metrics.asw_label`` and ``silhouette_samples`` raised torch's "tensors with negative strides are not
currently supported" from inside jae (session 52), where ``nmi``, ``asw_batch`` and ``evaluate_embedding`` scored it.
Now they score it as its copy."""

from __future__ import annotations

import numpy as np
import pandas as pd

import jae


def _data():
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b", "c"], 40)
    E = (rng.normal(size=(120, 8)) + (labels == "a")[:, None] * 2.0).astype(np.float32)  # float32: not copied
    return E, labels


def test_asw_label_and_silhouette_of_a_reversed_array():
    E, labels = _data()
    flipped = E[::-1]
    assert flipped.strides[0] < 0
    assert jae.metrics.asw_label(flipped, labels[::-1], device="cpu") == jae.metrics.asw_label(
        flipped.copy(), labels[::-1], device="cpu")
    np.testing.assert_array_equal(jae.metrics.silhouette_samples(np.flip(E, axis=1), labels, device="cpu"),
                                  jae.metrics.silhouette_samples(np.flip(E, axis=1).copy(), labels, device="cpu"))


def test_asw_label_of_a_dataframe_in_reversed_order_reads_labels_by_cell():
    """The frame's rows in reversed order, the labels a Series in the cells' own order: aligned by name, as
    evaluate_embedding aligns them, so the score is that of the cells in order."""
    E, labels = _data()
    cells = [f"cell{i}" for i in range(len(E))]
    frame = pd.DataFrame(E, index=cells).iloc[::-1]
    series = pd.Series(labels, index=cells)
    expected = jae.metrics.asw_label(E[::-1].copy(), labels[::-1], device="cpu")
    assert jae.metrics.asw_label(frame, series, device="cpu") == expected
