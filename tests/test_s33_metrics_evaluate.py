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


def test_a_one_dimensional_embedding_is_told_how_to_make_it_a_column(data):
    # {'z': values} with one value per cell said "has shape (120,); pass one row per cell (120 cells)": it has one
    # entry per cell, so the fix was not in the message
    values = np.random.default_rng(0).normal(size=data.n_obs)
    with pytest.raises(ValueError, match=r"^embedding 'z' has shape \(120,\), one value per cell; pass an "
                                         r"\(n_cells, n_dims\) array, e\.g\. np\.reshape\(values, \(-1, 1\)\)"):
        jae.evaluate(data, {"z": values}, progress_bar=False)
    table = jae.evaluate(data, {"z": np.reshape(values, (-1, 1))}, progress_bar=False)
    assert 0 <= table.loc["z", "overall"] <= 1


def test_the_cli_says_how_to_store_an_embedding_of_no_real_numbers(data):
    # the CLI passed on the Python fix "np.asarray(Z, dtype=np.float32)" for an obsm of bool values
    from jae.cli._messages import cli_message

    with_bools = data.copy()
    with_bools.obsm["X_bits"] = np.random.default_rng(0).normal(size=(data.n_obs, 3)) > 0
    with pytest.raises(ValueError) as err:
        jae.evaluate(with_bools, ["X_bits"], progress_bar=False)
    assert cli_message(str(err.value)) == ("embedding 'X_bits' holds bool values, not real numbers; store its "
                                           "coordinates as numbers (e.g. float32) in the file")
