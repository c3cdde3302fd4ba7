"""Mapping a mapped model again with a query holding a batch of the name of a batch mapped before (session 35): a
batch named like a reference batch was named in a warning, but one named like a mapped batch (a new sample reusing
'sample1') silently kept the old batch's shift, in Python (jae map's summary counted the cells only). It is named
now, with the fix, and the shifts are as before."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

from jae.datasets import simulate


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    _, model = own_cite_model("s35_mapq_mapped_again_names")
    first = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=21)
    first.obs["batch"] = "sample1"
    return model.map_query(first, epochs=1, progress_bar=False)


def test_a_query_batch_named_like_a_mapped_one_is_named(mapped, caplog):
    again = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=22)
    labels = np.where(np.arange(again.n_obs) < 25, "sample1", "sample2")  # 25 cells reuse the mapped name
    again.obs["batch"] = labels
    again = md.MuData(dict(again.mod))
    again.obs["batch"] = labels
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        twice = mapped.map_query(again, epochs=1, progress_bar=False)
    said = [r.getMessage() for r in caplog.records if "mapped before" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("query batch 'sample1' has the name of a batch this model mapped "
                                                 "before: their 25 cells keep that batch's shift"), said
    assert twice.adapter.batches == ("sample1", "sample2")
    assert np.array_equal(twice.adapter.shift[0], mapped.adapter.shift[0])  # kept, as it was
