"""Session 39: JAE.fit of paired cells (joint.py) and of mosaic cells (mosaic.fit_mosaic) each put the scored cell-cycle
phases into a copy of obs and called fit_transformed under fitted_names by their own copy of the same lines; one
helper, jae.fitting.fit_preprocessed, now does it for both (embeddings bit-identical, checked on a paired and a mosaic
fit). What it does: the phases go in a copy (the caller's obs untouched) as the phase_keys fitted on; a refused fit
gives the model its last fit's names back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae.fitting import fit_preprocessed


class Model:
    network = None
    modality_names, organism = ("a", "b"), "mouse"

    def __init__(self, refuse=False):
        self.refuse, self.calls = refuse, []

    def fit_transformed(self, X, obs, **kwargs):
        self.calls.append((X, obs, kwargs, self.modality_names, self.organism))
        if self.refuse:
            raise ValueError("refused")
        return self


def test_the_phases_go_in_a_copy_as_the_keys_fitted_on():
    obs = pd.DataFrame({"batch": ["x", "y", "x"]}, index=["c1", "c2", "c3"])
    phase = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=np.float32)
    model = Model()
    assert fit_preprocessed(model, "X", obs, phase, names=("rna", "prot"), organism="human", phase_keys=None,
                            batch_key="batch") is model
    X, seen, kwargs, names, organism = model.calls[0]
    assert kwargs == {"phase_keys": ("S_score", "G2M_score"), "batch_key": "batch"}
    assert seen is not obs and list(obs.columns) == ["batch"]
    np.testing.assert_array_equal(seen[["S_score", "G2M_score"]].to_numpy(), phase)
    assert (names, organism) == (("rna", "prot"), "human") == (model.modality_names, model.organism)


def test_without_phases_obs_and_keys_are_as_given():
    obs = pd.DataFrame({"s": [1.0], "g": [2.0]}, index=["c1"])
    model = Model()
    fit_preprocessed(model, "X", obs, None, names=("rna", "atac"), organism=None, phase_keys=("s", "g"))
    assert model.calls[0][1] is obs and model.calls[0][2] == {"phase_keys": ("s", "g")}


def test_a_refused_fit_keeps_the_last_names():
    model = Model(refuse=True)
    with pytest.raises(ValueError, match="refused"):
        fit_preprocessed(model, "X", pd.DataFrame(index=["c1"]), None, names=("rna", "atac"), organism="human",
                         phase_keys=None)
    assert model.calls[0][3:] == (("rna", "atac"), "human")
    assert (model.modality_names, model.organism) == (("a", "b"), "mouse")
