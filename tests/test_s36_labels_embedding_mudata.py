"""predict_cell_type(mdata, embedding=mdata), the MuData passed where its embedding belongs, failed inside pandas
("Must pass 2-d input. shape=()"; before session 36 inside numpy), naming neither the argument nor the fix. It is now
refused in one line that names what to pass: the obsm key, the array, or embedding=None."""

from __future__ import annotations

import pytest

from jae.datasets import simulate


def test_a_mudata_given_as_the_embedding_is_refused_with_the_fix(own_cite_model):
    _, model = own_cite_model("s36_labels_embedding_mudata")
    cells = simulate(30, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    model.embed(cells)
    with pytest.raises(ValueError, match=r"^embedding is a MuData without X, not an embedding: pass the data's obsm "
                                         r"key holding this model's embedding \(e\.g\. embedding='X_jae'\), that array "
                                         r"\(e\.g\. mdata\.obsm\['X_jae'\]\), or embedding=None$"):
        model.predict_cell_type(cells, embedding=cells)
    assert len(model.predict_cell_type(cells, embedding="X_jae")) == cells.n_obs  # the fix named
