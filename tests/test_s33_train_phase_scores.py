"""Given cell-cycle scores (``phase_keys``) holding an infinite value made the phase term infinite, and the fit
stopped after the preprocessing and the first epoch with "the training diverged ...; lower the learning rate", a
fix that cannot help. The column is now refused in one line before any work, naming it and the fix."""

import numpy as np
import pytest

import jae.preprocess.pipeline as pipeline
from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_an_infinite_phase_score_is_refused_naming_the_column_before_the_preprocessing(monkeypatch):
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    rng = np.random.default_rng(0)
    m.obs["S"], m.obs["G2M"] = rng.normal(size=m.n_obs), rng.normal(size=m.n_obs)
    m.obs.loc[m.obs.index[3], "G2M"] = -np.inf
    m.obs.loc[m.obs.index[4], "S"] = np.nan  # a cell without a score is fine: left out of the phase term

    def no_preprocessing(*args, **kwargs):
        raise AssertionError("the preprocessing ran before the check")

    monkeypatch.setattr(pipeline, "preprocess", no_preprocessing)
    with pytest.raises(ValueError, match=r"^phase_keys column 'G2M' holds infinite values: give each cell a finite "
                                         r"score \(NaN where a cell has none\), or pass phase_keys=None"):
        JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m, phase_keys=("S", "G2M"), progress_bar=False)
