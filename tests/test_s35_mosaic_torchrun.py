"""A mosaic fit launched by torchrun (session 35): jae fits mosaic data in one process, but refused it only when
training began, after every process had run the whole preprocessing (SVD of each modality). It is now refused
before the preprocessing."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_a_torchrun_launch_of_a_mosaic_fit_is_refused_before_the_preprocessing(monkeypatch):
    from jae.preprocess import pipeline

    q = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=8)
    cells = np.arange(q.n_obs)
    mos = md.MuData({"rna": q["rna"][cells < 100].copy(), "prot": q["prot"][cells >= 20].copy()})
    mos.obs = mos.obs.join(q.obs[["batch", "cell_type"]])
    for key, value in {"WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29512"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("JAE_DISTRIBUTED", raising=False)

    def ran(*args, **kwargs):
        raise AssertionError("the preprocessing ran before the refusal")

    monkeypatch.setattr(pipeline, "preprocess", ran)
    with pytest.raises(ValueError, match=r"^fitting on mosaic data \(cells missing a modality\) runs in one process; "
                                         r"run it without torchrun"):
        JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(mos, progress_bar=False)
