"""``JAE().fit_transformed(X, obs, preprocessor=...)`` on a new model (the streaming path its docstring names) left
``modality_names`` empty: ``save`` wrote ``'modalities': []``, which ``JAE.load`` refused as a damaged folder, and
``embed`` failed with "list index out of range". Such a model now gets the names 'rna' and 'atac'."""

from __future__ import annotations

import numpy as np

import jae
from jae.query import query_features


def test_a_model_fitted_on_transformed_features_saves_loads_and_embeds(tmp_path, default_fit):
    model, mdata = default_fit()  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))
    X = query_features(model, mdata, layer="counts").X
    fresh = jae.JAE(jae.JAEConfig(max_epochs=1)).fit_transformed(X, mdata.obs, preprocessor=model.preprocessor,
                                                                 progress_bar=False)
    assert fresh.modality_names == ("rna", "atac")
    E = fresh.embed(mdata, key_added=None)
    fresh.save(tmp_path / "m")
    back = jae.JAE.load(tmp_path / "m", device="cpu")
    assert back.modality_names == ("rna", "atac")
    np.testing.assert_array_equal(back.embed(mdata, key_added=None), E)
