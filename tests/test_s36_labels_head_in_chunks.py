"""predict_cell_type(data) (no embedding given) turned the whole query's cell-type logits into calibrated
probabilities in one pass before its per-chunk loop, so the float64 softmax intermediates were (n_cells, n_types)
at once: 1 GB of peak memory at a million cells of 41 types, against 0.23 GB chunked, although LABEL_CHUNK exists
to keep them small. The head's probabilities are now computed chunk by chunk from the logits; the labels,
confidences and unknown calls are bit-identical (every step is row by row)."""

from __future__ import annotations

import pandas as pd
import pytest

import jae.labels.transfer
from jae.datasets import simulate
from jae.model.calibration import LabelCalibration


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s36_labels_head_in_chunks")[1]


def test_the_heads_probabilities_are_computed_chunk_by_chunk(cite, monkeypatch):
    cells = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    whole = cite.predict_cell_type(cells)
    rows, probabilities = [], LabelCalibration.probabilities

    def recorded(self, logits):
        rows.append(len(logits))
        return probabilities(self, logits)

    monkeypatch.setattr(LabelCalibration, "probabilities", recorded)
    monkeypatch.setattr(jae.labels.transfer, "LABEL_CHUNK", 16)
    chunked = cite.predict_cell_type(cells)
    assert rows and max(rows) <= 16, rows
    pd.testing.assert_frame_equal(chunked, whole)  # bit-identical
    emb = cite.embed(cells, key_added=None)
    pd.testing.assert_frame_equal(cite.predict_cell_type(cells, embedding=emb)[["cell_type", "confidence"]],
                                  whole[["cell_type", "confidence"]])
