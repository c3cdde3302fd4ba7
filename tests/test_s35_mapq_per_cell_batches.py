"""map_query(batch_key='barcode') (a per-cell column given as the batch column) trained one input shift per cell,
3,000 one-cell batches, without a word; it now warns that a batch column names samples, not cells."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def split():
    m = simulate(260, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=3, seed=4)
    q = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    ref = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m[~q].copy(), progress_bar=False)
    return ref, m[q].copy()


def test_a_per_cell_batch_column_is_warned_about(split, caplog):
    ref, query = split
    query.obs["barcode"] = np.asarray(query.obs_names)
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        ref.map_query(query, batch_key="barcode", epochs=1, progress_bar=False)
    said = [r.getMessage() for r in caplog.records if "names samples or runs, not cells" in r.getMessage()]
    assert len(said) == 1 and f"{query.n_obs} new batches for {query.n_obs} query cells" in said[0], said


def test_a_sample_column_is_not(split, caplog):
    ref, query = split
    query.obs["sample"] = np.where(np.arange(query.n_obs) % 2 == 0, "s1", "s2")
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        ref.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    assert not any("not cells" in r.getMessage() for r in caplog.records)


def test_a_mapped_models_records_are_its_own(split):
    """mappings_of copied each record dict but not its 'batches' list, so a model mapped from a mapped model shared
    that list with it: changing one model's record changed the other's."""
    from jae.mapping import mappings_of

    ref, query = split
    once = ref.map_query(query, epochs=1, progress_bar=False)
    again_query = query.copy()
    again_query.obs["batch"] = "again_" + again_query.obs["batch"].astype(str)
    twice = once.map_query(again_query, epochs=1, progress_bar=False)
    first = list(once.mappings[0]["batches"])
    twice.mappings[0]["batches"].append("edited")
    mappings_of(twice)[0]["batches"].append("edited too")
    assert once.mappings[0]["batches"] == first
    assert twice.mappings[0]["batches"] == [*first, "edited"]
