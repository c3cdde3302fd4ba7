"""jae's MuData-building calls leave Python's ``random`` module as they found it.

MuData names its temporary columns with ``random.choices`` whenever it is built or updated, so ``jae.simulate``,
``jae.read_h5mu`` and ``jae.read_competition`` advanced the user's global ``random`` generator: a script drawing
``random.random()`` after them got other numbers than without them.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import jae
from jae.datasets import simulate


def _draws_after(call) -> list[float]:
    random.seed(7)
    call()
    return [random.random() for _ in range(3)]


def _expected() -> list[float]:
    random.seed(7)
    return [random.random() for _ in range(3)]


@pytest.fixture(scope="module")
def cite():
    return simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=2, seed=0)


def test_simulate_leaves_the_python_random_generator_alone():
    after = _draws_after(lambda: simulate(120, kind="multiome", n_genes=200, n_peaks=100, n_batches=2, seed=1))
    assert after == _expected()


def test_readers_leave_the_python_random_generator_alone(cite, tmp_path):
    cite.write(tmp_path / "cite.h5mu")
    cite["rna"].write_h5ad(tmp_path / "c.mod1.h5ad")
    cite["prot"].write_h5ad(tmp_path / "c.mod2.h5ad")
    assert _draws_after(lambda: jae.read_h5mu(tmp_path / "cite.h5mu")) == _expected()
    assert _draws_after(lambda: jae.read_competition(tmp_path / "c.mod1.h5ad", tmp_path / "c.mod2.h5ad")) == _expected()


def test_results_do_not_depend_on_the_python_random_generator(cite):
    """Restoring the state changes no result: the data read is the same whatever the user's ``random`` held."""
    random.seed(1)
    a = simulate(120, kind="multiome", n_genes=200, n_peaks=100, n_batches=2, seed=1)
    random.seed(2)
    b = simulate(120, kind="multiome", n_genes=200, n_peaks=100, n_batches=2, seed=1)
    assert a.obs.equals(b.obs) and list(a.mod) == list(b.mod)
    assert (a["rna"].layers["counts"] != b["rna"].layers["counts"]).nnz == 0
    assert np.array_equal(a["atac"].var_names, b["atac"].var_names)
