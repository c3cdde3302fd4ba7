"""jae.evaluate given cell_type_key='prot:cell_type' on a MuData whose 'rna' modality holds a 'cell_type' column of
other values said to pass cell_type_key='cell_type' (6094097), which scores against rna's labels, not prot's. It now
says to rename prot's column, as fit does."""

from __future__ import annotations

import warnings

import mudata as md
import numpy as np
import pytest

import jae


def test_evaluate_a_pulled_key_whose_column_holds_another_modality_s_values(tmp_path):
    m = jae.simulate(100, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=5)
    mods = {}
    for name in ("rna", "prot"):
        adata = m[name].copy()
        adata.obs = adata.obs.iloc[:, :0].copy()
        mods[name] = adata
    mods["prot"].obs["cell_type"] = m.obs["cell_type"].to_numpy()
    mods["rna"].obs["cell_type"] = np.random.default_rng(0).permutation(m.obs["cell_type"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mudata's FutureWarning on pulling obs
        md.MuData(mods).write(tmp_path / "both.h5mu")
    data = jae.read_h5mu(tmp_path / "both.h5mu")
    data.obsm["X_r"] = np.random.default_rng(1).normal(size=(data.n_obs, 4)).astype(np.float32)
    with pytest.raises(KeyError, match=r"obs\['cell_type'\] holds other values .*rename the column in 'prot'.*"
                                       r"pass cell_type_key='prot_cell_type'"):
        jae.evaluate(data, ["X_r"], cell_type_key="prot:cell_type", baseline=False, progress_bar=False)
