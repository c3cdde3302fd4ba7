"""store_obsm says a user's own obsm array is replaced with a warning, even when uns holds the jae record of another
key sharing its uns entry ('X_jae' and 'jae' both keep theirs in uns['jae'])."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from jae.datasets import simulate
from jae.storage import store_obsm


def test_a_users_own_array_under_a_key_sharing_another_keys_record_is_replaced_with_a_warning(caplog):
    data = simulate(20, kind="cite", n_genes=200, n_proteins=5, n_cell_types=2, n_batches=1, seed=0)["rna"]
    cells = pd.Index(data.obs_names)
    store_obsm(data, np.zeros((20, 2), np.float32), cells, "X_jae", record={"obsm_key": "X_jae"})
    data.obsm["jae"] = np.ones((20, 3))  # the user's own array, not jae's
    with caplog.at_level(logging.INFO, logger="jae"):
        store_obsm(data, np.zeros((20, 2), np.float32), cells, "jae", record={"obsm_key": "jae"})
    ours = [r for r in caplog.records if "obsm['jae']" in r.getMessage() and "replaced" in r.getMessage()]
    assert len(ours) == 1 and ours[0].levelno == logging.WARNING
    assert "held an array not made by jae" in ours[0].getMessage()


def test_jaes_own_earlier_embedding_is_replaced_with_an_info_line(caplog):
    data = simulate(20, kind="cite", n_genes=200, n_proteins=5, n_cell_types=2, n_batches=1, seed=0)["rna"]
    cells = pd.Index(data.obs_names)
    store_obsm(data, np.zeros((20, 2), np.float32), cells, "X_jae", record={"obsm_key": "X_jae"})
    with caplog.at_level(logging.INFO, logger="jae"):
        store_obsm(data, np.ones((20, 2), np.float32), cells, "X_jae", record={"obsm_key": "X_jae"})
    ours = [r for r in caplog.records if "obsm['X_jae']" in r.getMessage() and "replaced" in r.getMessage()]
    assert len(ours) == 1 and ours[0].levelno == logging.INFO and "earlier jae embedding" in ours[0].getMessage()
