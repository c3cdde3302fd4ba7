"""Placing cells measured in one modality regressed the missing block of all of them in one piece: float64
intermediates of a few copies of cells x block width, about 4 GB for a million RNA-only cells. It now works through
them FILL_ROWS cells at a time, with the same values."""

import numpy as np

import jae
from jae.query import transform as query_transform


def test_one_modality_cells_are_filled_in_chunks_with_the_same_values(monkeypatch):
    m = jae.simulate(300, kind="cite", n_genes=200, n_proteins=12, seed=0)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0, device="cpu").fit(m, progress_bar=False)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, model.preprocessor.n_output)).astype(np.float32)
    observed = np.ones((50, 2), bool)
    observed[::2, 1] = False  # RNA alone
    observed[1::5, 0] = False  # the second modality alone
    whole = query_transform.fill_missing_blocks(model, X.copy(), observed)
    sizes = []
    kind = type(model.moments)
    real = kind.conditional_mean

    def watched(self, X_obs, *args):
        sizes.append(len(X_obs))
        return real(self, X_obs, *args)

    monkeypatch.setattr(kind, "conditional_mean", watched)
    monkeypatch.setattr(query_transform, "FILL_ROWS", 7)
    chunked = query_transform.fill_missing_blocks(model, X.copy(), observed)
    assert max(sizes) == 7 and sum(sizes) == int((~observed).sum())
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-6)
    assert np.array_equal(chunked[observed.all(axis=1)], X[observed.all(axis=1)])  # paired cells untouched
