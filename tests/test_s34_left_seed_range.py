"""A model fitted with seed 2**32 - 1 (the largest jae accepts) was mapped (map_query) and fine-tuned with its default
seeds seed + 2 and seed + 1, past that range: the mapping's record said seed 4294967297, which map_query(seed=...)
then refused ('seed must be at most 2**32 - 1'), so the record did not rebuild the mapping. The default seeds now wrap
into the range; for every seed below 2**32 - 2 they are as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.mapping import mappings_of

TOP = 2**32 - 1


@pytest.fixture(scope="module")
def halves():
    m = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=3, seed=1)
    q = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    return m[~q].copy(), m[q].copy()


@pytest.fixture(scope="module")
def top_model(halves):
    return jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=5), seed=TOP, device="cpu").fit(halves[0], progress_bar=False)


def test_the_default_mapping_seed_stays_a_seed_map_query_takes(top_model, halves):
    mapped = top_model.map_query(halves[1], epochs=1, progress_bar=False)
    seed = mappings_of(mapped)[-1]["seed"]
    assert seed == 1  # (2**32 - 1 + 2) mod 2**32
    again = top_model.map_query(halves[1], epochs=1, seed=seed, progress_bar=False)  # the record rebuilds it
    assert np.array_equal(mapped.embed(halves[1], key_added=None), again.embed(halves[1], key_added=None))


def test_the_default_finetune_seed_stays_a_seed_finetune_takes(halves):
    """The same for finetune's default seed + 1 (recorded among the embedding's finetune_seeds)."""
    from jae.provenance import finetune_seeds

    models = [jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=5), seed=TOP, device="cpu").fit(halves[0], progress_bar=False)
              for _ in range(2)]
    models[0].finetune(halves[1], epochs=1, progress_bar=False)
    assert finetune_seeds(models[0].history) == [0]  # (2**32 - 1 + 1) mod 2**32
    models[1].finetune(halves[1], epochs=1, seed=finetune_seeds(models[0].history)[0], progress_bar=False)
    assert np.array_equal(models[0].embed(halves[1], key_added=None), models[1].embed(halves[1], key_added=None))
