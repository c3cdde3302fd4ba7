"""predict_cell_type(path, embedding='X_jae') of an .h5mu path (or jae.io.open_h5mu's files) reads the file's obsm as
a backed MuData of the same file does: the same labels, and an embedding another model state made is refused."""

from __future__ import annotations

import mudata as md
import numpy as np
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import open_h5mu


@pytest.fixture(scope="module")
def stored(own_cite_model):
    folder, model = own_cite_model("s34_loose2_path_embedding")
    sim = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=6)
    model.embed(sim)  # obsm['X_jae'] and its record in uns['jae']
    sim.write(folder / "q.h5mu")
    return folder, model


@pytest.mark.parametrize("how", ["str", "path", "open_h5mu"])
def test_an_h5mu_path_gives_the_labels_of_its_stored_embedding_as_the_backed_mudata(stored, how):
    folder, model = stored
    path = folder / "q.h5mu"
    data = {"str": str(path), "path": path, "open_h5mu": open_h5mu(path)}[how]
    got = model.predict_cell_type(data, embedding="X_jae")
    backed = md.read_h5mu(path, backed=True)
    want = model.predict_cell_type(backed, embedding="X_jae")
    backed.file.close()
    pd.testing.assert_frame_equal(got, want)
    np.testing.assert_array_equal(got.index, md.read_h5mu(path).obs_names)


def test_an_h5mu_paths_embedding_of_another_model_state_is_refused_as_the_backed_case(stored, tmp_path):
    import copy

    folder, model = stored
    other = copy.deepcopy(model).finetune(md.read_h5mu(folder / "q.h5mu"), epochs=1, seed=2, progress_bar=False)
    with pytest.raises(ValueError, match="made by another state of this model"):
        other.predict_cell_type(str(folder / "q.h5mu"), embedding="X_jae")
    with pytest.raises(KeyError, match="'X_nope' is not a key of data.obsm"):
        model.predict_cell_type(str(folder / "q.h5mu"), embedding="X_nope")
