"""A mosaic fit whose cells measured in both modalities are all query cells (unlabelled) fitted the model's moments
on no cell: zero mean and covariance, so every completion of a missing modality came back zeros. It is now refused
before any preprocessing or training, in one line naming the count and the fix."""

from __future__ import annotations

import mudata as md
import numpy as np
import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io.validate import check_fit_annotations
from jae.model.moments import FeatureMoments


def _mosaic_with_unlabelled_paired_cells() -> md.MuData:
    m = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    r = np.random.default_rng(0).random(m.n_obs)
    rna_only, prot_only = r < 0.3, (r >= 0.3) & (r < 0.5)
    mos = md.MuData({"rna": m["rna"][~prot_only].copy(), "prot": m["prot"][~rna_only].copy()})
    obs = m.obs[["batch", "cell_type"]].copy()
    obs["cell_type"] = obs["cell_type"].astype(object)
    obs.loc[~(rna_only | prot_only), "cell_type"] = np.nan  # the paired cells: query
    mos.obs = mos.obs.join(obs)
    return mos


def test_a_mosaic_reference_without_paired_cells_is_refused_before_preprocessing(monkeypatch):
    import jae.preprocess.pipeline as pipeline

    mos = _mosaic_with_unlabelled_paired_cells()

    def refuse(*args, **kwargs):
        raise AssertionError("preprocessing started")

    monkeypatch.setattr(pipeline, "preprocess", refuse)
    model = JAE(JAEConfig(max_epochs=2, n_svd=8), seed=0, device="cpu")
    with pytest.raises(ValueError, match=r"^0 of the \d+ cells measured in both modalities are reference cells "
                                         r"\(labelled in obs\['cell_type'\]\); .*needs at least 2: label some of "
                                         r"them in obs\['cell_type'\].*JAEConfig\(mode='unsupervised'\)$"):
        model.fit(mos, progress_bar=False)
    assert model.network is None and model.moments is None


def test_the_reference_paired_check_counts_reference_cells_measured_in_both():
    obs = pd.DataFrame({"cell_type": ["a", "b", "a", "b", None, None]}, index=[f"c{i}" for i in range(6)])
    kw = dict(batch_key=None, cell_type_key="cell_type", supervised=True)
    check_fit_annotations(obs, paired=np.array([True, True, False, False, True, True]), **kw)  # 2: fine
    with pytest.raises(ValueError, match=r"^1 of the 3 cells .*reference cells"):
        check_fit_annotations(obs, paired=np.array([True, False, False, False, True, True]), **kw)
    with pytest.raises(ValueError, match=r"\(chosen by reference=\).*choose some of them with reference="):
        check_fit_annotations(obs, paired=np.array([False, False, True, True, True, True]),
                              reference=np.array([True, True, False, False, False, False]), **kw)


def test_feature_moments_of_no_rows_are_refused():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match=r"^rows= selects none of X's 10 rows"):
        FeatureMoments.fit(X, np.zeros(10, dtype=bool))
    with pytest.raises(ValueError, match="selects none"):
        FeatureMoments.fit(X[:0])
    assert np.allclose(FeatureMoments.fit(X).mean, X.mean(0))
