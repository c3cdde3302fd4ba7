"""jae evaluate --mod1 of an AnnData holding embeddings alone (X=None), as --h5ad scores it (s33 audit)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles


def test_mod1_without_values_is_scored_as_the_same_file_given_as_h5ad(tmp_path):
    """``--mod1 f.h5ad`` (X=None, no layers) was refused ("f.h5ad holds no counts: its .X is empty ...") while
    ``--h5ad f.h5ad`` scored its obsm embedding with cc_cons n/a; scoring an obsm embedding needs no counts, so both
    now give the same table."""
    m = simulate(120, n_genes=250, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    rna = m["rna"]
    f = ad.AnnData(X=None, obs=m.obs.loc[rna.obs_names].copy(), var=rna.var.copy())
    f.obsm["X_scVI"] = np.random.default_rng(0).normal(size=(f.n_obs, 8)).astype(np.float32)
    f.write_h5ad(tmp_path / "f.h5ad")
    as_h5ad = jae.evaluate_files(InputFiles(h5ad=tmp_path / "f.h5ad"), ["X_scVI"], progress_bar=False)
    as_mod1 = jae.evaluate_files(InputFiles(mod1=tmp_path / "f.h5ad"), ["X_scVI"], progress_bar=False)
    pd.testing.assert_frame_equal(as_mod1, as_h5ad)
    assert np.isnan(as_mod1.loc["X_scVI", "cc_cons"]) and np.isfinite(as_mod1.loc["X_scVI", "nmi"])
    assert main(["evaluate", "--mod1", str(tmp_path / "f.h5ad"), "--obsm", "X_scVI", "--out", str(tmp_path / "o"),
                 "--no-report", "--quiet"]) == 0
    assert (tmp_path / "o" / "metrics.csv").is_file()
