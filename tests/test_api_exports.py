"""The top level holds what a scanpy / scvi-tools user reaches for first: ``jae.simulate(...)`` (the simulator of
:mod:`jae.datasets`) and ``jae.svd_baseline(...)`` (the baseline of :mod:`jae.baseline`), the same functions as in
their subpackages; the baseline's module is still imported on first use only."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import jae


def test_simulate_and_svd_baseline_are_reachable_at_the_top_level():
    """Both were only jae.datasets.simulate and jae.baseline.svd_baseline: jae.simulate raised AttributeError."""
    from jae import simulate, svd_baseline  # from-imports work too

    assert simulate is jae.simulate and svd_baseline is jae.svd_baseline
    for name in ("simulate", "svd_baseline"):
        assert name in jae.__all__ and name in dir(jae)
    assert jae.simulate is jae.datasets.simulate and jae.svd_baseline is jae.baseline.svd_baseline
    mdata = jae.simulate(60, n_genes=200, n_peaks=60, n_cell_types=2, n_batches=1, seed=0)
    emb = jae.svd_baseline([mdata.mod["rna"].layers["counts"], mdata.mod["atac"].layers["counts"]], ["GEX", "ATAC"],
                           n_dims=10, seed=0)
    assert emb.shape == (60, 10) and np.isfinite(emb).all()


def test_import_jae_still_leaves_the_baseline_module_unimported():
    code = ("import sys, jae; assert 'jae.baseline' not in sys.modules; jae.svd_baseline; "
            "assert 'jae.baseline' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
