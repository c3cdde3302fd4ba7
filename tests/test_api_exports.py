"""The top level holds what a scanpy / scvi-tools user reaches for first: ``jae.simulate(...)`` (the simulator of
:mod:`jae.datasets`) and ``jae.svd_baseline(...)`` (the baseline of :mod:`jae.baseline`), the same functions as in
their subpackages; the baseline's module is still imported on first use only."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import Processes  # tests/ is on sys.path

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


def _fresh_import(*, background: bool = False) -> Processes:
    code = ("import sys, jae; assert 'jae.baseline' not in sys.modules; jae.svd_baseline; "
            "assert 'jae.baseline' in sys.modules")
    return Processes({"import": ([sys.executable, "-c", code], {})}, background=background)


#: The process :func:`start_early` started when the session started (conftest's ``_early_starts``).
_EARLY: list[Processes] = []
EARLY_FIXTURE = "fresh_import"


def start_early(tmp_path_factory) -> Processes:
    """:func:`fresh_import`'s process, started in the background at the session's start (the same command)."""
    _EARLY.append(_fresh_import(background=True))
    return _EARLY[-1]


@pytest.fixture(scope="module")
def fresh_import():
    """A Python that imports jae, checks that jae.baseline is not imported, reaches jae.svd_baseline, checks it is."""
    procs = _EARLY.pop() if _EARLY else _fresh_import()
    yield procs["import"]
    procs.close()


def test_import_jae_still_leaves_the_baseline_module_unimported(fresh_import):
    _, err = fresh_import.communicate()
    assert fresh_import.returncode == 0, err[-2000:]
