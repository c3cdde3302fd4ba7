"""jae.evaluate's checks of the embeddings it is given, made before any scoring (s33)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
import jae.metrics
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    return simulate(120, n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)


@pytest.mark.parametrize("kind", ["bool", "complex", "text"])
def test_an_embedding_of_no_real_numbers_is_refused_by_name_before_any_scoring(data, kind, monkeypatch):
    # a bool, complex or text embedding among several was refused by the metrics ("embedding must be numeric; got
    # dtype bool", naming none) after the cell-cycle reference and the scoring of the embeddings before it
    rng = np.random.default_rng(0)
    good = rng.normal(size=(data.n_obs, 4))
    odd = {"bool": good > 0, "complex": good + 1j, "text": good.astype(str)}[kind]
    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", lambda *a, **k: pytest.fail("reference built"))
    with pytest.raises(ValueError, match=r"^embedding 'odd' holds \S+ values, not real numbers; pass its "):
        jae.evaluate(data, {"fine": good, "odd": odd}, progress_bar=False)
