"""A model loaded under ``torch.inference_mode()`` (a natural way to load one for embedding) can be fine-tuned later.

``JAE.load`` made the network's weights inside the caller's inference mode, so they were inference tensors: a later
``finetune`` failed at its first step, and putting the weights back failed too, so the user saw "Error(s) in loading
state_dict for JAENetwork" about a folder that was fine. The weights are now made outside inference mode; the
fine-tuned embedding is that of the same model loaded normally.
"""

from __future__ import annotations

import numpy as np
import torch

from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_a_model_loaded_in_inference_mode_fine_tunes_as_one_loaded_normally(tmp_path):
    m = simulate(240, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=3, seed=2)
    last = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    ref, query = m[~last].copy(), m[last].copy()
    JAE(JAEConfig(max_epochs=2, n_svd=10), seed=1, device="cpu").fit(ref, progress_bar=False).save(tmp_path / "m")
    expected = JAE.load(tmp_path / "m", device="cpu").finetune(query, epochs=1, progress_bar=False)
    with torch.inference_mode():
        model = JAE.load(tmp_path / "m", device="cpu")
        embedded = model.embed(query, key_added=None)
    assert not any(p.is_inference() for p in model.network.parameters())
    model.finetune(query, epochs=1, progress_bar=False)
    assert np.array_equal(model.embed(query, key_added=None), expected.embed(query, key_added=None))
    assert not np.array_equal(model.embed(query, key_added=None), embedded)  # it was fine-tuned
