"""``fit_transformed`` / ``finetune_transformed`` on features holding NaN or infinite values failed with numpy's
"Eigenvalues did not converge" (a traceback from the principal axes) or trained to a NaN loss and told the user
"the training diverged; lower the learning rate", a fix that cannot help; a fine-tuning on features of another width
failed inside torch. Each is now refused in one line naming the problem and the fix."""

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io import get_paired
from jae.preprocess.pipeline import preprocess


@pytest.fixture(scope="module")
def features():
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    p = get_paired(m, layer="counts")
    pre, X, _ = preprocess(p.counts, p.kinds, p.var_names, names=p.names, n_components=10, seed=0, organism=None,
                           progress_bar=False)
    return pre, np.asarray(X), m.obs.copy()


def _model():
    return JAE(JAEConfig(max_epochs=2, n_svd=10, n_phase=0), seed=0, device="cpu")


def test_fit_transformed_refuses_nan_features_naming_the_cells(features):
    pre, X, obs = features
    X = X.copy()
    X[[5, 7], 3] = np.nan
    model = _model()
    with pytest.raises(ValueError, match=r"^features hold NaN or infinite values in 2 of 120 cells \(the first: row 5\); "
                                         r"pass finite features, as preprocessor.transform makes from counts, or leave "
                                         r"those cells out$"):
        model.fit_transformed(X, obs, preprocessor=pre, progress_bar=False)
    assert not model.is_fitted


def test_finetune_transformed_refuses_infinite_features_and_another_width(features):
    pre, X, obs = features
    model = _model().fit_transformed(X, obs, preprocessor=pre, progress_bar=False)
    weights = {k: v.clone() for k, v in model.network.state_dict().items()}
    bad = X[:40].copy()
    bad[10, 0] = np.inf
    with pytest.raises(ValueError, match=r"^features hold NaN or infinite values in 1 of 40 cells \(the first: row 10\)"):
        model.finetune_transformed(bad, progress_bar=False)
    with pytest.raises(ValueError, match=rf"^features have shape \(40, {X.shape[1] - 1}\), expected \(40, {X.shape[1]}\) "
                                         r"\(one row per cell, preprocessor.n_output columns\)$"):
        model.finetune_transformed(X[:40, 1:], progress_bar=False)
    assert all(np.array_equal(weights[k], v) for k, v in model.network.state_dict().items())
    assert model.finetune_transformed(bad, epochs=0, progress_bar=False) is model  # 0 epochs: nothing is read
