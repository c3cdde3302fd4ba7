"""jae trains whatever the caller's autograd mode: ``torch.no_grad()``, ``torch.set_grad_enabled(False)`` (common at
the top of an inference notebook) or ``torch.inference_mode()``.

Under them ``JAE.fit``, ``map_query``, ``finetune`` and ``ModalityPredictor.fit`` got through the preprocessing and
then stopped at the first training step with torch's "element 0 of tensors does not require grad and does not have a
grad_fn", which names neither jae nor the setting. They now train as without it (the same numbers), and the caller's
mode is as it was afterwards.
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


def _results(ref, query):
    model = JAE(CFG, seed=1, device="cpu").fit(ref, cell_type_key="cell_type", progress_bar=False)
    mapped = model.map_query(query, epochs=1, progress_bar=False)
    out = [model.embed(query, key_added=None), mapped.embed(query, key_added=None)]
    model.finetune(query, epochs=1, progress_bar=False)
    predictor = ModalityPredictor(config=PRED, seed=0, device="cpu").fit(ref["rna"], ref["prot"], progress_bar=False)
    return out + [model.embed(query, key_added=None), predictor.predict(query["rna"]).X]


@pytest.fixture(scope="module")
def expected(data):
    return _results(*data)


@pytest.mark.parametrize("mode", ["no_grad", "set_grad_enabled", "inference_mode"])
def test_training_works_and_gives_the_same_numbers_under_the_callers_autograd_mode(data, expected, mode):
    if mode == "set_grad_enabled":
        torch.set_grad_enabled(False)
        try:
            got = _results(*data)
            assert not torch.is_grad_enabled()  # the caller's setting, kept
        finally:
            torch.set_grad_enabled(True)
    else:
        with torch.no_grad() if mode == "no_grad" else torch.inference_mode():
            got = _results(*data)
            assert not torch.is_grad_enabled()
            assert torch.is_inference_mode_enabled() == (mode == "inference_mode")
    for a, b in zip(expected, got):
        assert np.array_equal(a, b)
