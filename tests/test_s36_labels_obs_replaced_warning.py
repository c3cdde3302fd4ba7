"""predict_cell_type(data, key_added='predicted') replaced a user's own obs['predicted_cell_type'] (another tool's
labels, or the reference labels jae was fitted on) with only an INFO line, which Python shows no one without a
logging setup (jae's README: warnings show on stderr, INFO needs logging.basicConfig): the user's column was
silently clobbered. Replacing columns that are not all of an earlier call's set is now a warning (as store_obsm warns
for an obsm array jae did not make); running predict_cell_type again with the same key_added stays an INFO line."""

from __future__ import annotations

import logging

import pytest

from jae.datasets import simulate


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s36_labels_obs_replaced")[1]


def _lines(caplog):
    return [r for r in caplog.records if "replaced by the labels" in r.getMessage()]


def test_a_users_own_column_replaced_is_a_warning_and_an_earlier_calls_set_is_not(cite, caplog):
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    data.obs["predicted_cell_type"] = "from another tool"
    with caplog.at_level(logging.INFO, logger="jae"):
        cite.predict_cell_type(data, key_added="predicted")
    (line,) = _lines(caplog)
    assert line.levelno == logging.WARNING
    assert line.getMessage() == ("the data's obs column 'predicted_cell_type' is replaced by the labels "
                                 "(key_added='predicted'); pass another key_added to keep it")
    assert (data.obs["predicted_cell_type"] != "from another tool").all()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):
        cite.predict_cell_type(data, key_added="predicted")  # the same call again: its own four columns
    (line,) = _lines(caplog)
    assert line.levelno == logging.INFO and "'predicted_cell_type', 'predicted_confidence'" in line.getMessage()
