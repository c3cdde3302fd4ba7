"""jae.evaluate_files (jae evaluate --h5mu) of an .h5mu holding one modality other than RNA (e.g. proteins alone)
read it with plain mudata.read_h5mu, which draws MuData's temporary column names from Python's random: a user's
later random draws moved. Python's random is now left as it was; the scores and the keys MuData's reader gives
('prot:cell_type') are unchanged."""

from __future__ import annotations

import random

import mudata as md
import numpy as np
import pytest

import jae
from jae.io import InputFiles


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    m = jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    prot = m["prot"].copy()
    for c in ("cell_type", "batch"):
        prot.obs[c] = m.obs[c].to_numpy()
    with pytest.warns(FutureWarning):  # MuData's pull of the modality's columns
        mdata = md.MuData({"prot": prot})
    mdata.obsm["X_e"] = np.random.default_rng(0).normal(size=(prot.n_obs, 4)).astype(np.float32)
    path = tmp_path_factory.mktemp("s38_followups_eval_one") / "prot.h5mu"
    mdata.write(path)
    return path


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("keys", [{}, {"cell_type_key": "prot:cell_type", "batch_key": "prot:batch"}])
def test_python_random_is_left_as_it_was(one, keys):
    random.seed(5)
    want = random.random()
    random.seed(5)
    table = jae.evaluate_files(InputFiles(h5mu=one), ["X_e"], None, progress_bar=False, **keys)
    assert random.random() == want
    assert np.isfinite(table.loc["X_e", "nmi"]) and np.isfinite(table.loc["X_e", "asw_batch"])
