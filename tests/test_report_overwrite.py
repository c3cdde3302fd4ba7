"""A report written over an earlier one (overwrite=True, jae evaluate --overwrite) replaces that report's files and
no other."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    rng = np.random.default_rng(0)
    codes = m.obs["cell_type"].cat.codes.to_numpy()[:, None]
    return m, {name: codes + rng.normal(scale=s, size=(m.n_obs, 4)) for name, s in (("a", 0.5), ("b", 2.0))}


def test_overwrite_keeps_the_folders_own_umap_figures(data, tmp_path):
    """scanpy saves sc.pl.umap(save='_leiden.png') as umap_leiden.png: a report written with overwrite=True into
    that folder deleted it, as if it were a UMAP of an earlier report."""
    m, embeddings = data
    out = tmp_path / "figures"
    kw = dict(device="cpu", progress_bar=False, umap_max_cells=60)
    jae.evaluate(m, embeddings, report_dir=out, **kw)
    assert {"umap_a.png", "umap_b.png"} <= {p.name for p in out.iterdir()}
    (out / "umap_leiden.png").write_bytes(b"the user's own figure")
    (out / "notes.txt").write_text("mine")
    jae.evaluate(m, {"a": embeddings["a"]}, report_dir=out, overwrite=True, **kw)
    names = {p.name for p in out.iterdir()}
    assert "umap_b.png" not in names  # the earlier report's UMAP of an embedding no longer scored
    assert {"umap_a.png", "index.html", "metrics.csv"} <= names
    assert (out / "umap_leiden.png").read_bytes() == b"the user's own figure" and (out / "notes.txt").is_file()
    jae.evaluate(m, {"a": embeddings["a"]}, report_dir=out, overwrite=True, report=False, **kw)
    names = {p.name for p in out.iterdir()}  # the tables alone: the earlier report's figures and page go
    assert {"umap_a.png", "index.html", "metrics.png"}.isdisjoint(names) and "umap_leiden.png" in names
