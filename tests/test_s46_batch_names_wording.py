"""The warning about query batches named like reference batches (session 46): one batch is said in the singular and
every name is quoted, so a batch named 0 reads as a name ("query batch '0' has the name of a reference batch"), not
as a count ("query batches 0 have the names of reference batches")."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def model_and_data():
    m = simulate(150, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=31)
    for mod in (m, *m.mod.values()):
        mod.obs["batch"] = np.where(np.arange(m.n_obs) % 2 == 0, "0", "1")
    model = JAE(JAEConfig(max_epochs=2, n_svd=8), seed=0, device="cpu").fit(m, progress_bar=False)
    return model, m


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "the name" in r.getMessage()]


def test_one_reused_numeric_batch_name_is_quoted_and_singular(model_and_data, caplog):
    model, m = model_and_data
    q = m.copy()
    labels = np.where(np.arange(q.n_obs) < 50, "new", "0")
    for mod in (q, *q.mod.values()):
        mod.obs["batch"] = labels
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        model.map_query(q, epochs=1, progress_bar=False)
    said = _warnings(caplog)
    assert len(said) == 1, said
    assert said[0].startswith("query batch '0' has the name of a reference batch: their 100 cells"), said


def test_several_reused_names_are_quoted_and_plural(model_and_data, caplog):
    model, m = model_and_data
    q = m.copy()
    labels = np.where(np.arange(q.n_obs) < 30, "new", np.where(np.arange(q.n_obs) % 2 == 0, "0", "1"))
    for mod in (q, *q.mod.values()):
        mod.obs["batch"] = labels
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        model.map_query(q, epochs=1, progress_bar=False)
    said = _warnings(caplog)
    assert len(said) == 1 and said[0].startswith("query batches '0', '1' have the names of reference batches: "
                                                 "their 120 cells"), said
