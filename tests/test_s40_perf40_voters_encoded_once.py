"""predict_cell_type encoded the model's reference voters (up to 20,000 cells) twice whenever some cells were called
unknown: once for the vote and the linear classifier (embed_transformed), and again for their head logits when it
checked the types the head is unsure of (_say_unsure). The latent of the one encoding now serves both; the labels and
the logits handed to unsure_types are the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

import jae.labels.transfer
from jae.datasets import simulate


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s40_perf40_voters_once")[1]


def test_the_voters_are_encoded_once_when_cells_are_called_unknown(cite, monkeypatch):
    # a query with types the 3-type reference lacks: some of its cells are called unknown
    cells = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=6, n_batches=1, seed=3)
    emb = cite.embed(cells, key_added=None)
    want_logits = cite.latent_transformed(cite.voters.features)[:, cite.layout.block("cell_type")]
    rows, seen = [], []
    encode, unsure = cite.network.encode, jae.labels.transfer.unsure_types
    monkeypatch.setattr(cite.network, "encode", lambda x, *a, **k: rows.append(len(x)) or encode(x, *a, **k))
    def recorded(model, cal, logits, codes):
        seen.append(logits.copy())
        return unsure(model, cal, logits, codes)

    monkeypatch.setattr(jae.labels.transfer, "unsure_types", recorded)
    labels = cite.predict_cell_type(cells, embedding=emb)  # the embedding given: the voters are encoded once
    assert labels["unknown"].any()
    # and the new cells once, undivided, for the unknown call (session 42, jae.query.fit_cells; the embedding divides
    # them)
    assert cite.fit_cells is not None and sum(rows) == len(cite.voters) + len(cells), rows
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], want_logits)
