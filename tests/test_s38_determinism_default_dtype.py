"""A user's ``torch.set_default_dtype(torch.float64)`` neither breaks jae nor changes its numbers.

jae computes in float32, but built its networks (and a few tensors) in torch's default dtype: with float64 as the
default, ``JAE.fit``, ``map_query``, ``finetune`` and ``JAE.load`` then ``embed`` stopped in the middle of the work
with torch's "mat1 and mat2 must have the same dtype", and a :class:`jae.ModalityPredictor` trained and predicted in
float64 without a word, so its predictions differed from the same seed's under torch's own default. They now give
the float32 results, and the user's default dtype is left as it was.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.prediction import ModalityPredictor, PredictConfig

CFG = JAEConfig(max_epochs=2, n_svd=10)
PRED = PredictConfig(max_epochs=2, n_members=2, n_source_components=10, n_target_components=5, dropout=0.2)


@pytest.fixture(scope="module")
def data():
    m = simulate(240, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=3, seed=2)
    last = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    return m[~last].copy(), m[last].copy()


@pytest.fixture
def float64_default():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
        assert torch.get_default_dtype() == torch.float64  # the user's setting is kept
    finally:
        torch.set_default_dtype(before)


def _jae_results(ref, query, folder):
    model = JAE(CFG, seed=1, device="cpu").fit(ref, cell_type_key="cell_type", progress_bar=False)
    model.save(folder, overwrite=True)
    mapped = model.map_query(query, epochs=1, progress_bar=False)
    loaded = JAE.load(folder, device="cpu")
    out = [model.embed(query, key_added=None), mapped.embed(query, key_added=None), loaded.embed(query, key_added=None)]
    loaded.finetune(query, epochs=1, progress_bar=False)
    return out + [loaded.embed(query, key_added=None)]


def test_jae_gives_its_float32_results_under_a_float64_default(data, tmp_path, float64_default):
    ref, query = data
    torch.set_default_dtype(torch.float32)
    expected = _jae_results(ref, query, tmp_path / "a")
    torch.set_default_dtype(torch.float64)
    got = _jae_results(ref, query, tmp_path / "b")
    for a, b in zip(expected, got):
        assert b.dtype == np.float32 and np.array_equal(a, b)


def test_modality_predictor_gives_its_float32_predictions_under_a_float64_default(data, tmp_path, float64_default):
    ref, query = data
    torch.set_default_dtype(torch.float32)
    model = ModalityPredictor(config=PRED, seed=0, device="cpu").fit(ref["rna"], ref["prot"], progress_bar=False)
    expected = model.predict(query["rna"]).X
    model.save(tmp_path / "p")
    torch.set_default_dtype(torch.float64)
    assert np.array_equal(model.predict(query["rna"]).X, expected)  # the same fitted predictor
    assert np.array_equal(ModalityPredictor.load(tmp_path / "p", device="cpu").predict(query["rna"]).X, expected)
    again = ModalityPredictor(config=PRED, seed=0, device="cpu").fit(ref["rna"], ref["prot"], progress_bar=False)
    assert all(p.dtype == torch.float32 for net in again.nets for p in net.parameters())
    assert np.array_equal(again.predict(query["rna"]).X, expected)
