"""map_query(query, batch_key=None) of a one-sample query without the reference's batch column: fit reads
batch_key=None as "all cells one batch", map_query as "the column the reference was fitted with", and the refusal
(no batch labels column 'batch') did not say so, so a user who had just passed None was told about a column they had
not named. The refusal now says what None reads; its fix (the column, one value for one sample) maps."""

from __future__ import annotations

import pytest

from jae.datasets import simulate


def test_batch_key_none_refusal_says_what_none_reads(own_cite_model):
    _, model = own_cite_model("s42_map_none")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    for name in ("rna", "prot"):
        query[name].obs = query[name].obs.drop(columns=["batch"], errors="ignore")
    query.obs = query.obs.drop(columns=["batch"])
    with pytest.raises(KeyError, match=r"for cells of one sample \(batch_key=None reads the reference's column, not "
                                       r"all cells as one batch\)"):
        model.map_query(query, batch_key=None, epochs=1, progress_bar=False)
    query.obs["batch"] = "sample1"  # the fix as written
    assert model.map_query(query, batch_key=None, epochs=1, progress_bar=False).adapter.batches == ("sample1",)
