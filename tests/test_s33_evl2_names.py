"""jae.evaluate's embedding names as the CLI checks them (s33 audit): one row per embedding, each named."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(120, n_genes=250, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    m.obsm["X_scVI"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    return m


def _never(*args, **kwargs):
    raise AssertionError("the metrics ran before the arguments were checked")


def test_an_obsm_key_given_twice_is_refused_as_the_cli_refuses_it(data, monkeypatch):
    """``jae.evaluate(m, ['X_scVI', 'X_scVI'])`` scored it once without a word (one row for two names given), while
    ``jae evaluate --obsm X_scVI --obsm X_scVI`` refuses it."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    with pytest.raises(ValueError, match=r"^embeddings names 'X_scVI' more than once; give each obsm key or file "
                                         r"once$"):
        jae.evaluate(data, ["X_scVI", "X_scVI"], progress_bar=False)


@pytest.mark.parametrize("name", ["", "  "])
def test_an_embedding_without_a_name_is_refused(data, monkeypatch, name):
    """``jae.evaluate(m, {'': Z})`` gave a metrics row with an empty name (in metrics.csv and the report)."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    with pytest.raises(ValueError, match=rf"^an embedding is named {name!r}; give each embedding a name: "
                                         r"\{'name': Z\}$"):
        jae.evaluate(data, {name: data.obsm["X_scVI"]}, progress_bar=False)
