"""jae.evaluate given an embedding as a torch tensor, as a model's forward pass leaves it (s33 audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def data():
    return simulate(120, n_genes=250, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)


def test_a_tensor_with_grad_or_in_bfloat16_is_scored_as_its_values(data):
    """A tensor with requires_grad failed in torch ("Can't call numpy() on Tensor that requires grad"), a bfloat16
    one with "Got unsupported ScalarType BFloat16"; both are now scored as their values (bfloat16 as float32), and a
    float32 tensor scores exactly as the same array."""
    Z = np.random.default_rng(0).normal(size=(data.n_obs, 8)).astype(np.float32)
    half = torch.from_numpy(Z).to(torch.bfloat16)
    table = jae.evaluate(data, {"array": Z, "grad": torch.from_numpy(Z.copy()).requires_grad_(),
                                "bf16": half, "bf16_array": half.float().numpy()}, progress_bar=False)
    pd.testing.assert_series_equal(table.loc["grad"], table.loc["array"], check_names=False)
    pd.testing.assert_series_equal(table.loc["bf16"], table.loc["bf16_array"], check_names=False)
    assert np.isfinite(table.loc["grad", "nmi"])
