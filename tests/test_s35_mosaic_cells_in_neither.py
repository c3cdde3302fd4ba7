"""A MuData in jae's NaN-row mosaic layout with cells whose rows are NaN in both modalities (session 35): fit refused
them, but embed, predict_cell_type and impute dropped them without a word (an embedding of 117 rows for 120 cells,
so rows no longer matched obs_names; key_added then failed inside anndata). They are now refused as fit refuses
them, naming the cells."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model):
    _, model = own_cite_model("s35_mosaic_cells_in_neither")
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    rna = q["rna"].layers["counts"].toarray().astype(np.float32)
    prot = q["prot"].layers["counts"]
    prot = (prot.toarray() if sp.issparse(prot) else np.asarray(prot)).astype(np.float32)
    rna[:10] = np.nan  # cells 0-9: proteins alone
    prot[10:30] = np.nan  # cells 10-29: RNA alone
    rna[40:43] = np.nan
    prot[40:43] = np.nan  # cells 40-42: neither
    for name, X in (("rna", sp.csr_matrix(rna)), ("prot", prot)):
        q[name].layers["counts"] = X
        q[name].X = X.copy()
    return model, q


def test_cells_with_neither_modality_measured_are_refused_not_dropped(setup):
    model, q = setup
    said = r"^3 cells have neither modality measured \(e\.g\. '" + q.obs_names[40]
    calls = [lambda: model.embed(q, key_added=None), lambda: model.predict_cell_type(q),
             lambda: jae.impute(model, q, modality="prot"),
             lambda: model.predict_cell_type(q, embedding=np.zeros((120, len(model.column_names)), np.float32))]
    for call in calls:
        with pytest.raises(ValueError, match=said):
            call()
    keep = ~np.isin(np.arange(120), [40, 41, 42])
    fixed = q[keep].copy()  # the fix: drop those cells
    emb = model.embed(fixed, key_added="X_jae")
    assert emb.shape[0] == 117 and fixed.obsm["X_jae"].shape[0] == 117 and np.isfinite(emb).all()
