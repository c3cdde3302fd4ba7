"""A column held with different values by an .h5mu's global obs and a modality's obs, or by two modalities, becomes
one column of one table: the dropped values are named in a logged line (which values win is unchanged)."""

import logging

import numpy as np
import pandas as pd

import jae
from jae.io.paired import cell_obs


def _cite():
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=10, seed=0)
    m.mod["prot"].obs["tissue"] = np.where(np.arange(m.n_obs) % 2, "x", "y")
    m.mod["rna"].obs["tissue"] = "a"
    m.obs["note"] = "g"
    m.mod["rna"].obs["note"] = "r"
    m.mod["rna"].obs["same"] = "s"
    m.mod["prot"].obs["same"] = "s"
    return m


def test_dropped_modality_values_are_logged(caplog):
    m = _cite()
    with caplog.at_level(logging.WARNING, logger="jae"):
        paired = jae.io.get_paired(m)
    lines = [r.getMessage() for r in caplog.records]
    tissue = [x for x in lines if "'tissue'" in x]
    note = [x for x in lines if "'note'" in x]
    assert len(tissue) == 1 and "those of modality 'prot' dropped" in tissue[0] and "60 of 60 cells" in tissue[0]
    assert len(note) == 1 and "those of modality 'rna' dropped" in note[0] and "the global obs are kept" in note[0]
    assert not [x for x in lines if "'same'" in x]  # agreeing columns say nothing
    # which values win is unchanged: the global obs, then the first modality
    assert (paired.obs["tissue"] == "a").all() and (paired.obs["note"] == "g").all()
    pd.testing.assert_frame_equal(cell_obs(m), paired.obs)


def test_agreeing_modalities_log_nothing(caplog):
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=10, seed=0)
    m.mod["rna"].obs["cell_type"] = m.obs["cell_type"].to_numpy()
    m.mod["prot"].obs["cell_type"] = m.obs["cell_type"].to_numpy()
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.io.get_paired(m)
    assert not [r for r in caplog.records if "dropped" in r.getMessage()]
