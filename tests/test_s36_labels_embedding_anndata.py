"""predict_cell_type(data, embedding=E) with E the AnnData of jae embed's .h5ad output read back (X the embedding,
uns['jae'] what made it) failed inside numpy: "setting an array element with a sequence. The requested array would
exceed the maximum number of dimension of 64"; a sparse matrix (a sparse obsm entry) was refused as "embedding has
shape ()". An AnnData is now read as its X by its obs_names, and refused in one line when its record says another
state of the model made it (jae embed fine-tunes by default), as embedding='X_jae' is; a sparse matrix is read as
an array. The labels are those of the same embedding given as an array."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model):
    _, model = own_cite_model("s36_labels_embedding_anndata")
    cells = simulate(50, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    return model, cells, model.embed(cells, key_added=None)


def test_an_anndata_of_the_embedding_is_read_by_its_cell_names(setup):
    model, cells, emb = setup
    want = model.predict_cell_type(cells, embedding=emb)
    order = np.random.default_rng(0).permutation(cells.n_obs)  # its own cell order
    out = ad.AnnData(X=emb[order], obs=pd.DataFrame(index=cells.obs_names[order]),
                     uns={"jae": model.provenance("X")})  # as jae.io.write_embedding_h5ad keeps the record
    pd.testing.assert_frame_equal(model.predict_cell_type(cells, embedding=out), want)
    pd.testing.assert_frame_equal(model.predict_cell_type(cells, embedding=sp.csr_matrix(emb)), want)


def test_an_anndata_made_by_another_state_of_the_model_is_refused_in_one_line(setup):
    import copy

    model, cells, emb = setup
    tuned = copy.deepcopy(model).finetune(cells, epochs=1, seed=5, progress_bar=False)
    out = ad.AnnData(X=tuned.embed(cells, key_added=None), obs=pd.DataFrame(index=cells.obs_names),
                     uns={"jae": tuned.provenance("X")})
    with pytest.raises(ValueError, match=r"^the embedding AnnData was made by another state of this model: its record "
                                         r"uns\['jae'\] differs in its fine-tunings \(seeds \[5\] then, \[\] now\); "
                                         r"pass this model's embed\(\) of the cells \(model\.embed\(data\)\), or "
                                         r"embedding=None$"):
        model.predict_cell_type(cells, embedding=out)
