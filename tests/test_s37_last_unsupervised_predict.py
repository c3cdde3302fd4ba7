"""Session 37: predict_cell_type on an unsupervised model names the fix, not only the refusal."""

from __future__ import annotations

import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_predict_cell_type_of_an_unsupervised_model_names_the_fix():
    """It said 'it cannot predict them' and stopped; the user was left to guess how to get a model that can."""
    cells = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    model = JAE(JAEConfig(mode="unsupervised", max_epochs=1, n_svd=5), seed=0, device="cpu").fit(
        cells, cell_type_key=None, progress_bar=False)
    with pytest.raises(ValueError, match=r"cannot predict them: fit with mode='supervised' and a cell_type_key "
                                         r"\(CLI: jae fit --cell-type-key COLUMN\)") as info:
        model.predict_cell_type(cells)
    assert "\n" not in str(info.value)
