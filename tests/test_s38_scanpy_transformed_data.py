"""JAE.embed_transformed / latent_transformed take already-transformed features; given the data itself (a MuData or
AnnData: e.g. a scikit-learn user's model.fit_transform, to which Python answers "Did you mean: 'fit_transformed'?"),
numpy read its row slices as objects and the call ran without end, its memory growing by gigabytes. It is now refused
in one line naming model.embed(data); features are embedded as before."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=10)


def test_features_embedded_as_before(cells, own_cite_model):
    _, model = own_cite_model("s38_transformed_features")
    counts = [cells["rna"].layers["counts"], cells["prot"].layers["counts"]]
    X = model.preprocessor.transform(counts, [cells["rna"].var_names, cells["prot"].var_names])
    model.fit_cells = None  # new cells as they are (embed divides them by the held-out scale: jae.query.fit_cells)
    np.testing.assert_array_equal(model.embed_transformed(X), model.embed(cells.copy(), key_added=None))


_DATA_GIVEN = """
import jae
m = jae.JAE.load(%r, device="cpu")
d = jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=10)
for method in ("embed_transformed", "latent_transformed"):
    for data in (d, d["rna"]):
        try:
            getattr(m, method)(data)
        except TypeError as e:
            print(method, e)
"""


def test_data_refused_at_once(small_cite_model):
    """Run in a process of its own with a time limit: before, each call grew without end."""
    out = subprocess.run([sys.executable, "-c", _DATA_GIVEN % str(small_cite_model)], capture_output=True, text=True,
                         timeout=90)
    lines = out.stdout.strip().splitlines()
    assert out.returncode == 0 and len(lines) == 4, out.stderr[-2000:]
    for line, kind in zip(lines, ("a MuData", "an AnnData") * 2):
        assert line.endswith(f"not {kind}: embed data with model.embed(data) (model.latent(data): the latent)"), line
