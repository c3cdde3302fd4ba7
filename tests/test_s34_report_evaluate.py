"""jae.evaluate's refusals of a baseline on normalised values and of a batch column that is the cell types (session
34, report audit)."""

from __future__ import annotations

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def mdata():
    m = jae.simulate(n_cells=120, seed=0)
    m.obsm["X_r"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    return m


def test_in_memory_baseline_on_normalised_counts_names_baseline_false(mdata):
    """jae.evaluate(..., baseline=True) on normalised values in memory said only to pass layer=...; it now also
    says baseline=False scores the given embeddings alone, as the streamed path (files) says."""
    m = mdata.copy()
    m["rna"].layers["counts"] = m["rna"].layers["counts"].astype(np.float32) / 3.3
    with pytest.raises(ValueError, match=r"looks normalised; .*or pass baseline=False to score the given embeddings "
                                         r"alone"):
        jae.evaluate(m, ["X_r"], baseline=True, progress_bar=False)


def test_in_memory_baseline_refusal_in_the_cli_words(mdata):
    """The same refusal as the CLI prints it: drop --baseline."""
    from jae.cli._messages import cli_message

    m = mdata.copy()
    m["rna"].layers["counts"] = m["rna"].layers["counts"].astype(np.float32) / 3.3
    with pytest.raises(ValueError) as err:
        jae.evaluate(m, ["X_r"], baseline=True, progress_bar=False)
    assert "drop --baseline" in cli_message(str(err.value))


@pytest.mark.parametrize("batch_key", ["cell_type", "batch"])
def test_batch_key_equal_to_cell_type_key_is_refused(mdata, batch_key):
    """batch_key naming the cell-type column was scored, asw_batch n/a with the warning 'no cell type spans two
    batches'; it is now refused in one line before any scoring (cell_type_key='batch' with batch_key 'batch' too)."""
    m = mdata.copy()
    m.obs["batch"] = m.obs["cell_type"]
    with pytest.raises(ValueError, match=rf"batch_key and cell_type_key both name the obs column '{batch_key}'"):
        jae.evaluate(m, ["X_r"], cell_type_key=batch_key, batch_key=batch_key, progress_bar=False)
