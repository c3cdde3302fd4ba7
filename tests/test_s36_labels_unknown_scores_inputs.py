"""jae.labels.unknown_scores(model, E) refused a sparse embedding as "embedding has shape (), not (n_cells, ...)"
(numpy read the matrix as one object), and failed inside numpy for jae embed's .h5ad output read back as an AnnData
("setting an array element with a sequence"). It now reads them as predict_cell_type does
(jae.labels.embedding_record.embedding_table): the same scores as for the array."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.labels import unknown_scores


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s36_labels_unknown_scores_inputs")[1]


def test_unknown_scores_read_a_sparse_matrix_and_an_anndata_as_the_array(cite):
    cells = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    emb = cite.embed(cells, key_added=None)
    want = unknown_scores(cite, emb)
    out = ad.AnnData(X=emb, obs=pd.DataFrame(index=cells.obs_names), uns={"jae": cite.provenance("X")})
    for given in (sp.csr_matrix(emb), out):
        got = unknown_scores(cite, given)
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])
