"""The SVD baseline on files whose values are stored CSC (s33 audit): its refusal names where they were read."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.datasets import simulate
from jae.io import InputFiles


def test_normalised_values_stored_csc_are_named_where_they_were_read(tmp_path):
    """With the values in X stored CSC (no row blocks), the refusal came once the files were read and said
    "modality 'rna' (layer 'counts')", a layer the file lacks (the one the reader fills), without the baseline's
    fix; it now names X and says baseline=False scores the embeddings alone."""
    m = simulate(120, n_genes=250, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    for a in m.mod.values():
        X = a.layers["counts"] if "counts" in a.layers else a.X
        a.X = sp.csc_matrix(np.log1p(np.asarray(X.todense() if sp.issparse(X) else X, dtype=np.float32)))
        a.layers.clear()
    m.obsm["X_scVI"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    m.write_h5mu(tmp_path / "d.h5mu")
    with pytest.raises(ValueError, match=r"^modality 'rna' \(X\) has \d+ non-integer values.*; or pass baseline=False "
                                         r"to score the given embeddings alone$"):
        jae.evaluate_files(InputFiles(h5mu=tmp_path / "d.h5mu"), ["X_scVI"], tmp_path / "out", baseline=True,
                           progress_bar=False)
    assert not (tmp_path / "out").exists()
