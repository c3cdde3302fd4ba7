"""map_query with a query batch of one or two cells trained an input shift for it without a word; that shift rests
on those cells alone (it fits their own state, not a batch effect). It now warns in one line naming the batch, its
cell count and the fixes (merge it with a similar batch, or embed its cells with the reference model); the shifts
and embeddings are unchanged."""

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


def _said(caplog):
    return [r.getMessage() for r in caplog.records if "rather than a batch effect" in r.getMessage()]


def test_a_one_cell_batch_is_warned_about(split, caplog):
    ref, query = split
    query.obs["sample"] = np.where(np.arange(query.n_obs) == 0, "tiny", "big")
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        mapped = ref.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    said = _said(caplog)
    assert len(said) == 1 and "query batch 'tiny' of obs['sample'] holds 1 cell" in said[0], said
    assert "trained on that cell alone, so it fits that cell's own state" in said[0], said
    assert "merge it with a similar query batch" in said[0] and "embed them with the reference model" in said[0]
    assert mapped.adapter.batches == ("big", "tiny")


def test_several_small_batches_are_named_with_their_counts(split, caplog):
    ref, query = split
    query.obs["sample"] = np.where(np.arange(query.n_obs) < 1, "a", np.where(np.arange(query.n_obs) < 3, "b", "c"))
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        ref.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    said = _said(caplog)
    assert len(said) == 1 and "query batches 'a' (1), 'b' (2) of obs['sample']" in said[0], said


def test_batches_of_three_cells_or_more_are_not(split, caplog):
    ref, query = split
    query.obs["sample"] = np.where(np.arange(query.n_obs) < 3, "three", "rest")
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        ref.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    assert not _said(caplog)
